"""Handlers for verified Stripe events: re-read the object from Stripe (or the sandbox), then apply it
to the order. The handlers run inside the processing transaction with the event row locked."""

import logging
from collections.abc import Callable
from typing import Any

from apps.billing import gateway
from apps.billing.models import Order, StripeEvent
from apps.billing.money import from_minor_units

from .adjustments import order_record_dispute, order_record_refund
from .disputes import WON, order_record_dispute_closed
from .event_orders import DISPUTE_EVENTS, SESSION_EVENTS, _metadata_ref, _str
from .orders import (
    order_expire,
    order_mark_paid,
    order_mark_payment_failed,
    order_mark_underpaid,
    order_note_payment_status,
)

logger = logging.getLogger(__name__)


class EventRejected(Exception):
    """A verified event we cannot act on (it contradicts what Stripe now says)."""


class PaymentNotSettled(Exception):
    """Stripe says the delayed payment succeeded, but the session does not read paid yet. The
    event stays unprocessed: Stripe redelivers it and the reconciler re-reads the session."""


def _handle_session(event: StripeEvent, order: Order, session: dict[str, Any]) -> str:
    if _metadata_ref(session) != str(order.public_id):
        raise EventRejected("the checkout session does not belong to this order")
    payment_status = session.get("payment_status") or ""
    payment_intent = _str(session.get("payment_intent"))
    if payment_status in ("paid", "no_payment_required"):
        currency = (session.get("currency") or order.currency).lower()
        amount = from_minor_units(int(session.get("amount_total") or 0), currency)
        payment = {
            "payment_intent_id": payment_intent,
            "stripe_customer_id": _str(session.get("customer")),
            "payment_status": payment_status,
            "source": f"stripe {event.type} {event.event_id}",
        }
        if currency != order.currency or amount < order.price:
            # Never provision what was not paid for: flag it for an operator instead.
            logger.warning(
                "order %s: paid %s %s, expected %s %s", order.reference, amount, currency, order.price, order.currency
            )
            changed = order_mark_underpaid(order_id=order.pk, amount_paid=amount, currency=currency, **payment)
            return "underpaid" if changed else "no_change"
        changed = order_mark_paid(order_id=order.pk, amount_paid=amount, **payment)
        return "paid" if changed else "already_paid"
    if event.type == "checkout.session.async_payment_succeeded":
        raise PaymentNotSettled(f"the checkout session still reads {payment_status or 'no payment status'!r}")
    if event.type == "checkout.session.async_payment_failed":
        changed = order_mark_payment_failed(order_id=order.pk, reason="the delayed payment failed")
        return "payment_failed" if changed else "no_change"
    if session.get("status") == "expired" or event.type == "checkout.session.expired":
        return "expired" if order_expire(order_id=order.pk) else "no_change"
    order_note_payment_status(order_id=order.pk, payment_status=payment_status, payment_intent_id=payment_intent)
    return "awaiting_payment"


def _order_payment_intent(order: Order) -> str:
    """The PaymentIntent that paid this order: recorded with the payment or, when a refund or
    dispute outruns the payment event, read from the order's own checkout session."""
    if order.stripe_payment_intent_id:
        return order.stripe_payment_intent_id
    if not order.stripe_checkout_session_id:
        return ""
    return _str(gateway.checkout_session_retrieve(order.stripe_checkout_session_id).get("payment_intent"))


def _check_payment(order: Order, obj: dict[str, Any], what: str) -> None:
    """A refund or dispute counts only against the payment it is about: the re-read object must
    name this order's PaymentIntent (metadata alone could name another order)."""
    payment_intent = _str(obj.get("payment_intent"))
    if not payment_intent and _str(obj.get("charge")):  # a dispute names its charge
        payment_intent = _str((gateway.charge_retrieve(_str(obj.get("charge"))) or {}).get("payment_intent"))
    if not payment_intent or payment_intent != _order_payment_intent(order):
        raise EventRejected(f"the {what} is not for this order's payment")


def _handle_refund(event: StripeEvent, order: Order, charge: dict[str, Any]) -> str:
    _check_payment(order, charge, "refunded charge")
    currency = (charge.get("currency") or order.currency).lower()
    return order_record_refund(
        order_id=order.pk,
        charge_id=_str(charge.get("id")),
        amount_refunded=from_minor_units(int(charge.get("amount_refunded") or 0), currency),
        fully_refunded=bool(charge.get("refunded")),
        source=f"stripe {event.type} {event.event_id}",
    )


def _handle_dispute(event: StripeEvent, order: Order, dispute: dict[str, Any]) -> str:
    _check_payment(order, dispute, "dispute")
    currency = (dispute.get("currency") or order.currency).lower()
    fields = {
        "order_id": order.pk,
        "dispute_id": _str(dispute.get("id")),
        "amount": from_minor_units(int(dispute.get("amount") or 0), currency),
        "source": f"stripe {event.type} {event.event_id}",
    }
    status = dispute.get("status") if isinstance(dispute.get("status"), str) else ""
    if event.type == "charge.dispute.closed" or status in WON:
        # A closed dispute (or an opening re-read after it was won: nothing to take back then).
        return order_record_dispute_closed(status=status, **fields)
    return order_record_dispute(**fields)


def _reread(event_type: str, obj: dict[str, Any]) -> dict[str, Any]:
    """The object as Stripe (or the sandbox) holds it now. Network: called outside any lock."""
    object_id = _str(obj.get("id"))
    if event_type in SESSION_EVENTS:
        return gateway.checkout_session_retrieve(object_id)
    if event_type == "charge.refunded":
        return gateway.charge_retrieve(object_id) or obj
    if event_type in DISPUTE_EVENTS:
        return gateway.dispute_retrieve(object_id) or obj
    return obj


_HANDLERS: dict[str, Callable[[StripeEvent, Order, dict[str, Any]], str]] = {
    **dict.fromkeys(SESSION_EVENTS, _handle_session),
    "charge.refunded": _handle_refund,
    **dict.fromkeys(DISPUTE_EVENTS, _handle_dispute),
}
