"""The wholesale price: the upstream's public pricing feed, cached, for the overview's margins."""

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.cache import cache
from django.utils import timezone

from apps.proxies.upstream.errors import UpstreamError

logger = logging.getLogger(__package__)  # the name it had before the package split

PRICING_CACHE_KEY = "proxies:wholesale-pricing"
PRICING_FRESH_SECONDS = 3600
PRICING_KEEP_SECONDS = 7 * 24 * 3600
PRICING_RETRY_SECONDS = 60
# The wholesale feed quotes USDC; a dollar stablecoin prices like USD for the margin.
CURRENCY_ALIASES = {"usdc": "usd", "usdt": "usd"}


@dataclass(frozen=True)
class Wholesale:
    per_gb: Decimal | None
    currency: str
    fetched_at: datetime | None
    stale: bool
    error: str = ""

    @property
    def margin_currency(self) -> str:
        code = (self.currency or "").lower()
        return CURRENCY_ALIASES.get(code, code)


def wholesale_price_get(*, fetch: bool = True) -> Wholesale:
    """The upstream's shared-pool price per GB (a public feed), read at most once an hour and
    once a minute after a failure; a failure shows the last good price marked stale, never an
    error page."""
    from apps.proxies.services import client

    entry = cache.get(PRICING_CACHE_KEY)
    now = timezone.now()
    if entry and (now - entry["fetched_at"]).total_seconds() < PRICING_FRESH_SECONDS:
        return Wholesale(entry["per_gb"], entry["currency"], entry["fetched_at"], stale=False)
    error = ""
    if fetch and cache.add(PRICING_CACHE_KEY + ":trying", 1, PRICING_RETRY_SECONDS):
        try:
            record = client.upstream_client().pricing()
        except UpstreamError as exc:
            logger.warning("overview: the pricing feed failed: %s", exc)
            error = str(exc)
            cache.set(PRICING_CACHE_KEY + ":error", error, PRICING_KEEP_SECONDS)
        else:
            entry = {"per_gb": record.shared_per_gb, "currency": record.currency, "fetched_at": now}
            cache.set(PRICING_CACHE_KEY, entry, PRICING_KEEP_SECONDS)
            cache.delete(PRICING_CACHE_KEY + ":error")
            return Wholesale(entry["per_gb"], entry["currency"], now, stale=False)
    error = error or cache.get(PRICING_CACHE_KEY + ":error") or ""
    if entry:
        return Wholesale(entry["per_gb"], entry["currency"], entry["fetched_at"], stale=True, error=error)
    return Wholesale(None, "", None, stale=True, error=error or "not read yet")
