"""The wholesale pricing cache: the upstream's public pricing feed, read at most once an hour and
at most once a minute after a failure. A failure keeps the last good price (for a week) and
records the error beside it; readers (the console's overview) read the cache only."""

import logging

from django.core.cache import cache
from django.utils import timezone

from apps.proxies.upstream.errors import UpstreamError

from . import client

logger = logging.getLogger(__name__)

PRICING_CACHE_KEY = "proxies:wholesale-pricing"
PRICING_ERROR_KEY = PRICING_CACHE_KEY + ":error"
PRICING_FRESH_SECONDS = 3600
PRICING_KEEP_SECONDS = 7 * 24 * 3600
PRICING_RETRY_SECONDS = 60


def wholesale_pricing_cached() -> dict | None:
    """The last good reading: {"per_gb", "currency", "fetched_at"}, or None."""
    return cache.get(PRICING_CACHE_KEY)


def wholesale_pricing_error() -> str:
    """Why the last read failed, while no read has succeeded since; "" otherwise."""
    return cache.get(PRICING_ERROR_KEY) or ""


def wholesale_pricing_is_fresh(entry: dict | None, *, now=None) -> bool:
    if not entry:
        return False
    now = now or timezone.now()
    return (now - entry["fetched_at"]).total_seconds() < PRICING_FRESH_SECONDS


def wholesale_pricing_refresh() -> None:
    """Read the feed into the cache when the cached price is older than an hour (or missing), at
    most once a minute across processes; otherwise do nothing."""
    now = timezone.now()
    if wholesale_pricing_is_fresh(wholesale_pricing_cached(), now=now):
        return
    if not cache.add(PRICING_CACHE_KEY + ":trying", 1, PRICING_RETRY_SECONDS):
        return
    try:
        record = client.upstream_client().pricing()
    except UpstreamError as exc:
        logger.warning("overview: the pricing feed failed: %s", exc)
        cache.set(PRICING_ERROR_KEY, str(exc), PRICING_KEEP_SECONDS)
        return
    entry = {"per_gb": record.shared_per_gb, "currency": record.currency, "fetched_at": now}
    cache.set(PRICING_CACHE_KEY, entry, PRICING_KEEP_SECONDS)
    cache.delete(PRICING_ERROR_KEY)
