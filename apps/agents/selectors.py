"""Reads: the USDC price of a request, agent accounts, x402 orders."""

import uuid
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext

from apps.billing.models import Plan
from apps.core.errors import ApplicationError, NotFound
from apps.proxies.fulfilment import PoolTraffic

from .models import AgentAccount, X402PlanPrice, X402Pricing, X402Purchase

CENT = Decimal("0.01")
MAX_DAYS = 3650


@dataclass(frozen=True)
class Quote:
    gb: Decimal
    days: int | None
    price: Decimal  # USDC (= USD), two decimals
    plan: Plan | None  # the plan whose USDC price applied, if one did

    @property
    def description(self) -> str:
        text = f"{self.gb.normalize():f} GB of proxy traffic"
        return f"{text}, valid {self.days} days" if self.days else text


def x402_pricing_get() -> X402Pricing:
    return X402Pricing.objects.filter(pk=1).first() or X402Pricing(pk=1)


def _gb(raw: object, pricing: X402Pricing) -> Decimal:
    try:
        gb = Decimal(str(raw)).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        raise ApplicationError(gettext("gb must be a number of GB, e.g. gb=5."), extra={"field": "gb"}) from None
    if not gb.is_finite() or gb < PoolTraffic.min_quantity or gb > pricing.max_gb:
        raise ApplicationError(
            gettext("gb must be between %(min_quantity)s and %(normalize)s.")
            % {"min_quantity": PoolTraffic.min_quantity, "normalize": format(pricing.max_gb.normalize(), "f")},
            extra={"field": "gb"},
        )
    return gb


def _days(raw: object, pricing: X402Pricing) -> int | None:
    if raw in (None, ""):
        return pricing.default_days
    try:
        days = int(str(raw))
    except ValueError:
        raise ApplicationError(gettext("days must be a whole number of days."), extra={"field": "days"}) from None
    if not 1 <= days <= MAX_DAYS:
        raise ApplicationError(
            gettext("days must be between 1 and %(MAX_DAYS)s.") % {"MAX_DAYS": MAX_DAYS}, extra={"field": "days"}
        )
    return days


def x402_quote(*, gb: object, days: object = None, top_up: bool = False) -> Quote:
    """The USDC price of `gb` GB valid `days` days: a plan's USDC price when one sells exactly
    that, else the per-GB price with the minimum charge. Raises ApplicationError for bad input."""
    pricing = x402_pricing_get()
    quantity = _gb(gb, pricing)
    validity = _days(days, pricing) if not (top_up and days in (None, "")) else None
    match = (
        X402PlanPrice.objects.select_related("plan")
        .filter(plan__active=True, plan__product_kind=PoolTraffic.kind, plan__gb=quantity, plan__validity_days=validity)
        .first()
    )
    if match is not None:
        return Quote(gb=quantity, days=validity, price=match.usdc_price, plan=match.plan)
    price = max(pricing.minimum_usdc, (pricing.usdc_per_gb * quantity).quantize(CENT, rounding=ROUND_HALF_UP))
    return Quote(gb=quantity, days=validity, price=price, plan=None)


def x402_purchase_for_order(*, order_id: str) -> X402Purchase:
    """The x402 order of the order with this public id. NotFound otherwise."""
    try:
        public_id = uuid.UUID(str(order_id))
    except ValueError:
        raise NotFound(gettext("No such order.")) from None
    purchase = X402Purchase.objects.select_related("order").filter(order__public_id=public_id).first()
    if purchase is None:
        raise NotFound(gettext("No such order."))
    return purchase


def agent_account_for_user(*, user) -> AgentAccount | None:
    """The agent account of this customer, if the customer is an agent (pays over x402)."""
    return AgentAccount.objects.filter(user=user).first()
