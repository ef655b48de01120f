"""Rate limits per API key and per client IP, counted in the cache (Redis in production).

A fixed window per key: `cache.add` then `cache.incr`, both atomic in Redis, so concurrent
workers never lose a count. Every answer carries the limit that applies to the caller:

    RateLimit-Limit: 120   RateLimit-Remaining: 87   RateLimit-Reset: 41   (seconds)

The IP limit runs before authentication (it slows down key guessing); the key limit after."""

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from rest_framework.throttling import SimpleRateThrottle

from apps.core.http import client_ip

STATE_ATTRIBUTE = "api_rate_limits"


@dataclass(frozen=True)
class RateLimitState:
    limit: int
    remaining: int
    reset: int  # seconds until the window starts over


class _WindowThrottle(SimpleRateThrottle):
    rate_setting = ""

    def get_rate(self) -> str:
        # Read at every request (not at import), so the settings fixture and override_settings apply.
        return getattr(settings, self.rate_setting)

    def ident(self, request, view) -> str | None:
        raise NotImplementedError

    def allow_request(self, request, view) -> bool:
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        ident = self.ident(request, view)
        if ident is None:
            return True
        now = int(time.time())
        window = now - now % self.duration
        key = f"api:ratelimit:{self.scope}:{ident}:{window}"
        cache.add(key, 0, timeout=self.duration + 1)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=self.duration + 1)
            count = 1
        self.reset_in = max(1, window + self.duration - now)
        state = RateLimitState(
            limit=self.num_requests, remaining=max(0, self.num_requests - count), reset=self.reset_in
        )
        django_request = getattr(request, "_request", request)
        states = getattr(django_request, STATE_ATTRIBUTE, None) or {}
        states[self.scope] = state
        setattr(django_request, STATE_ATTRIBUTE, states)
        return count <= self.num_requests

    def wait(self) -> float:
        return float(self.reset_in)


class ApiKeyRateThrottle(_WindowThrottle):
    scope = "api_key"
    rate_setting = "API_RATE_LIMIT_PER_KEY"

    def ident(self, request, view) -> str | None:
        key = getattr(request, "auth", None)
        return str(key.pk) if key is not None and getattr(key, "pk", None) else None


class ClientIpRateThrottle(_WindowThrottle):
    scope = "api_ip"
    rate_setting = "API_RATE_LIMIT_PER_IP"

    def ident(self, request, view) -> str | None:
        return client_ip(getattr(request, "_request", request)) or "unknown"


def rate_limit_headers(request: HttpRequest) -> dict[str, str]:
    """The headers for the limit that applies: the key's once the caller is known, else the IP's."""
    states = getattr(request, STATE_ATTRIBUTE, None) or {}
    state = states.get("api_key") or states.get("api_ip")
    if state is None:
        return {}
    return {
        "RateLimit-Limit": str(state.limit),
        "RateLimit-Remaining": str(state.remaining),
        "RateLimit-Reset": str(state.reset),
    }
