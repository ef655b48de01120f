"""A small per-customer limit on secret reveals: each one is an audited upstream call, and a
page that reveals in a loop (or a stolen session) should not be able to hammer it."""

from django.core.cache import cache

REVEAL_LIMIT = 30
REVEAL_WINDOW_SECONDS = 600


def reveal_allowed(*, customer) -> bool:
    key = f"proxies:reveal-count:{customer.pk}"
    cache.add(key, 0, timeout=REVEAL_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=REVEAL_WINDOW_SECONDS)
        count = 1
    return count <= REVEAL_LIMIT
