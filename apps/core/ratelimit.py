"""Limits on requests that cost the shop a call it pays for or shares: a Stripe Checkout Session,
an upstream write, an uncached read of the reseller-wide sessions feed.

Rates come from settings.RATE_LIMITS (env, see .env.example) in allauth's syntax, so they read
like the login and sign-up limits: "10/10m/user,30/10m/ip" is at most 10 per customer and 30 per
client address per 10 minutes. Each rate is a fixed window that opens with its first request,
counted in the shared cache (cache.add then incr: atomic on Redis, so every web process counts
together). The client address
is read the way allauth's limits and the audit log read it, an IPv6 address by its /64 (one
machine usually holds a whole /64). A refusal renders the same branded 429 page as allauth's.
"""

import functools
import ipaddress

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .http import client_ip
from .rates import Rate, rates_parse


@functools.lru_cache(maxsize=64)
def _rates(text: str) -> tuple[Rate, ...]:
    return tuple(rates_parse(text))


def _address_scope(ip: str | None) -> str | None:
    if not ip:
        return None
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 6:
        return str(ipaddress.IPv6Network(f"{address}/64", strict=False).network_address)
    return str(address)


def _count(key: str, seconds: int) -> int:
    cache.add(key, 0, timeout=seconds)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr: a new window
        cache.set(key, 1, timeout=seconds)
        return 1


def rate_limit_allows(request: HttpRequest, *, action: str) -> bool:
    """Counts this request against each of `action`'s rates; False when any is used up."""
    user_id = request.user.pk if request.user.is_authenticated else None
    return rate_limit_allows_for(action=action, user_id=user_id, ip=client_ip(request))


def rate_limit_allows_for(*, action: str, user_id: int | None, ip: str | None) -> bool:
    """The same count for callers that authenticate their own way (the API's bearer keys): one
    budget per customer, whichever door they came through."""
    allowed = True
    for rate in _rates(settings.RATE_LIMITS.get(action, "")):
        who = (str(user_id) if user_id is not None else None) if rate.per == "user" else _address_scope(ip)
        if who is None:
            continue
        if _count(f"ratelimit:{action}:{rate.per}:{rate.seconds}:{who}", rate.seconds) > rate.amount:
            allowed = False
    return allowed


def rate_limit_window_seconds(*, action: str) -> int:
    """The longest window of `action`'s rates (what a Retry-After can promise at most)."""
    return max((rate.seconds for rate in _rates(settings.RATE_LIMITS.get(action, ""))), default=60)


def rate_limited_response(request: HttpRequest, *, message: str) -> HttpResponse:
    """The branded 429 page, saying what was paused."""
    return render(request, "429.html", {"message": message}, status=429)
