"""The wholesale price for the overview's margins: read from the proxies' pricing cache only. The
view refreshes that cache first (apps.proxies.services.pricing.wholesale_pricing_refresh)."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from apps.proxies.services.pricing import (
    wholesale_pricing_cached,
    wholesale_pricing_error,
    wholesale_pricing_is_fresh,
)

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


def wholesale_price_get() -> Wholesale:
    """The upstream's shared-pool price per GB as last read; older than an hour is marked stale
    with the last error, and never having read it is "not read yet", never an error page."""
    entry = wholesale_pricing_cached()
    if entry is not None and wholesale_pricing_is_fresh(entry):
        return Wholesale(entry["per_gb"], entry["currency"], entry["fetched_at"], stale=False)
    error = wholesale_pricing_error()
    if entry is not None:
        return Wholesale(entry["per_gb"], entry["currency"], entry["fetched_at"], stale=True, error=error)
    return Wholesale(None, "", None, stale=True, error=error or "not read yet")
