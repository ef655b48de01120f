"""Which storefront order a Stripe event is about (the webhook's step 2). A reference that names no
order of ours raises UnknownOrder; an event that carries no storefront order at all resolves to None."""

import uuid
from typing import Any

from apps.billing import gateway
from apps.billing.models import ORDER_METADATA_KEY, Order

SESSION_EVENTS = frozenset(
    {
        "checkout.session.completed",
        "checkout.session.async_payment_succeeded",
        "checkout.session.async_payment_failed",
        "checkout.session.expired",
    }
)
DISPUTE_EVENTS = frozenset({"charge.dispute.created", "charge.dispute.closed"})
CHARGE_EVENTS = frozenset({"charge.refunded"}) | DISPUTE_EVENTS
HANDLED_EVENTS = SESSION_EVENTS | CHARGE_EVENTS


class UnknownOrder(Exception):
    """The event names a storefront order that does not exist."""


def _order_by_ref(ref: Any) -> Order:
    try:
        public_id = uuid.UUID(str(ref))
    except ValueError:
        raise UnknownOrder(f"malformed order reference {str(ref)[:64]!r}") from None
    order = Order.objects.filter(public_id=public_id).first()
    if order is None:
        raise UnknownOrder(f"unknown order {public_id}")
    return order


def _metadata_ref(obj: dict[str, Any]) -> Any:
    metadata = obj.get("metadata")
    return metadata.get(ORDER_METADATA_KEY) if isinstance(metadata, dict) else None


def _order_for_payment(*, obj: dict[str, Any], payment_intent_id: str, charge_id: str = "") -> Order | None:
    ref = _metadata_ref(obj)
    if ref:
        return _order_by_ref(ref)
    if payment_intent_id:
        order = Order.objects.filter(stripe_payment_intent_id=payment_intent_id).first()
        if order is not None:
            return order
    if not payment_intent_id and charge_id:
        charge = gateway.charge_retrieve(charge_id) or {}
        payment_intent_id = _str(charge.get("payment_intent"))
        if _metadata_ref(charge):
            return _order_by_ref(_metadata_ref(charge))
    # Not seen yet (the refund can outrun the payment event): the payment carries our metadata.
    ref = gateway.payment_intent_metadata(payment_intent_id).get(ORDER_METADATA_KEY)
    return _order_by_ref(ref) if ref else None


def _str(value: Any) -> str:
    if isinstance(value, dict):  # an expanded object
        value = value.get("id")
    return value if isinstance(value, str) else ""


def event_order_resolve(event: dict[str, Any]) -> Order | None:
    """The order an event is about; None when it is not a storefront payment. Raises UnknownOrder."""
    obj = event["data"]["object"]
    if event["type"] in SESSION_EVENTS:
        ref = _metadata_ref(obj)
        return _order_by_ref(ref) if ref else None
    if event["type"] == "charge.refunded":
        return _order_for_payment(
            obj=obj, payment_intent_id=_str(obj.get("payment_intent")), charge_id=_str(obj.get("id"))
        )
    if event["type"] in DISPUTE_EVENTS:
        return _order_for_payment(
            obj=obj, payment_intent_id=_str(obj.get("payment_intent")), charge_id=_str(obj.get("charge"))
        )
    return None
