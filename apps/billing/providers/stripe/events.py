"""Stripe's events in the shop's words: which order an event is about (before it is stored), and
what happened (after a re-read of the object it names, outside any lock).

Order: a session names its order in `metadata.storefront_order`; a charge or dispute through the
charge's metadata, the PaymentIntent recorded on a Payment, or the PaymentIntent's metadata read
from Stripe (a refund can outrun the payment event). A reference naming no order of ours raises
UnknownOrder; an event carrying no storefront order at all resolves to None.

Whose payment: a refund or dispute counts only against the payment it is about. The re-read
charge's (or dispute's) PaymentIntent must be one of the order's: recorded on its Payment, or,
when the refund outruns the payment event, the one its own Checkout Session reads now."""

import uuid
from dataclasses import replace
from typing import Any

from django.utils.translation import gettext

from apps.billing.models import ORDER_METADATA_KEY, Order
from apps.billing.money import from_minor_units
from apps.billing.selectors import order_find, order_payment_references, payment_find

from ..base import DISPUTE_WON, EventFacts, EventRejected, Fact, PaymentNotSettled, UnknownOrder

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
PAID = ("paid", "no_payment_required")


def _str(value: Any) -> str:
    if isinstance(value, dict):  # an expanded object
        value = value.get("id")
    return value if isinstance(value, str) else ""


def metadata_ref(obj: dict[str, Any]) -> Any:
    metadata = obj.get("metadata")
    return metadata.get(ORDER_METADATA_KEY) if isinstance(metadata, dict) else None


def _order_by_ref(ref: Any) -> Order:
    try:
        public_id = uuid.UUID(str(ref))
    except ValueError:
        raise UnknownOrder(f"malformed order reference {str(ref)[:64]!r}") from None
    order = order_find(public_id=public_id)
    if order is None:
        raise UnknownOrder(f"unknown order {public_id}")
    return order


class StripeEvents:
    """Event logic over a Stripe-shaped client (Stripe's API, or the payment simulator's)."""

    def __init__(self, *, provider: str, client) -> None:
        self.provider = provider
        self.client = client

    # Which order ---------------------------------------------------------------------------------

    def order(self, event: dict[str, Any]) -> Order | None:
        obj = event["data"]["object"]
        if event["type"] in SESSION_EVENTS:
            ref = metadata_ref(obj)
            return _order_by_ref(ref) if ref else None
        if event["type"] == "charge.refunded":
            return self._order_for_payment(
                obj=obj, payment_intent_id=_str(obj.get("payment_intent")), charge_id=_str(obj.get("id"))
            )
        if event["type"] in DISPUTE_EVENTS:
            return self._order_for_payment(
                obj=obj, payment_intent_id=_str(obj.get("payment_intent")), charge_id=_str(obj.get("charge"))
            )
        return None

    def _order_for_payment(self, *, obj: dict[str, Any], payment_intent_id: str, charge_id: str = "") -> Order | None:
        ref = metadata_ref(obj)
        if ref:
            return _order_by_ref(ref)
        if payment_intent_id:
            payment = payment_find(provider=self.provider, payment_reference=payment_intent_id)
            if payment is not None:
                return payment.order
        if not payment_intent_id and charge_id:
            charge = self.client.charge_retrieve(charge_id) or {}
            payment_intent_id = _str(charge.get("payment_intent"))
            if metadata_ref(charge):
                return _order_by_ref(metadata_ref(charge))
        # Not seen yet (the refund can outrun the payment event): the payment carries our metadata.
        if not payment_intent_id:
            return None
        metadata = self.client.payment_intent_retrieve(payment_intent_id).get("metadata") or {}
        ref = metadata.get(ORDER_METADATA_KEY)
        return _order_by_ref(ref) if ref else None

    # What happened -------------------------------------------------------------------------------

    def facts(self, *, event: dict[str, Any], order: Order) -> EventFacts | None:
        event_type, obj = event["type"], event["data"]["object"]
        object_id = _str(obj.get("id"))
        if event_type in SESSION_EVENTS:
            return self._session_facts(event_type, order, self.client.checkout_session_retrieve(object_id))
        if event_type == "charge.refunded":
            return self._refund_facts(order, self.client.charge_retrieve(object_id) or obj)
        if event_type in DISPUTE_EVENTS:
            return self._dispute_facts(event_type, order, self.client.dispute_retrieve(object_id) or obj)
        return None

    def _session_facts(self, event_type: str, order: Order, session: dict[str, Any]) -> EventFacts:
        if metadata_ref(session) != str(order.public_id):
            raise EventRejected("the checkout session does not belong to this order")
        payment_status = session.get("payment_status") or ""
        known = EventFacts(
            Fact.PAYMENT_PENDING,
            checkout_reference=_str(session.get("id")),
            payment_reference=_str(session.get("payment_intent")),
            customer_reference=_str(session.get("customer")),
            provider_status=payment_status if isinstance(payment_status, str) else "",
        )
        if payment_status in PAID:
            currency = (session.get("currency") or order.currency).lower()
            totals = session.get("total_details") or {}
            return replace(
                known,
                fact=Fact.PAYMENT_CONFIRMED,
                amount=from_minor_units(int(session.get("amount_total") or 0), currency),
                currency=currency,
                # A promotion code: Stripe took this off the total, the order's price stays.
                discount=from_minor_units(int(totals.get("amount_discount") or 0), currency),
                # Stripe Tax: added on top of the price, part of amount_total.
                tax=from_minor_units(int(totals.get("amount_tax") or 0), currency),
                billing_details=billing_details_from(session),
                invoice_reference=_str(session.get("invoice")),
            )
        if event_type == "checkout.session.async_payment_succeeded":
            raise PaymentNotSettled(
                gettext("the checkout session still reads %(value)s")
                % {"value": repr(payment_status or "no payment status")}
            )
        if event_type == "checkout.session.async_payment_failed":
            return replace(known, fact=Fact.PAYMENT_FAILED, reason="the delayed payment failed")
        if session.get("status") == "expired" or event_type == "checkout.session.expired":
            return replace(known, fact=Fact.CHECKOUT_EXPIRED)
        return known

    def _refund_facts(self, order: Order, charge: dict[str, Any]) -> EventFacts:
        payment_intent = self._check_payment(order, charge, "refunded charge")
        currency = (charge.get("currency") or order.currency).lower()
        return EventFacts(
            Fact.REFUND,
            payment_reference=payment_intent,
            reference=_str(charge.get("id")),
            amount=from_minor_units(int(charge.get("amount_refunded") or 0), currency),
            currency=currency,
            fully_refunded=bool(charge.get("refunded")),
        )

    def _dispute_facts(self, event_type: str, order: Order, dispute: dict[str, Any]) -> EventFacts:
        payment_intent = self._check_payment(order, dispute, "dispute")
        currency = (dispute.get("currency") or order.currency).lower()
        status = dispute.get("status")
        status = status if isinstance(status, str) else ""
        # A closed dispute (or an opening re-read after it was won: nothing to take back then).
        closed = event_type == "charge.dispute.closed" or status in DISPUTE_WON
        return EventFacts(
            Fact.DISPUTE_CLOSED if closed else Fact.DISPUTE_OPENED,
            payment_reference=payment_intent,
            reference=_str(dispute.get("id")),
            amount=from_minor_units(int(dispute.get("amount") or 0), currency),
            currency=currency,
            dispute_status=status,
        )

    def _check_payment(self, order: Order, obj: dict[str, Any], what: str) -> str:
        """The PaymentIntent the re-read object is about, when it is one of this order's (metadata
        alone could name another order). Raises EventRejected otherwise."""
        payment_intent = _str(obj.get("payment_intent"))
        if not payment_intent and _str(obj.get("charge")):  # a dispute names its charge
            payment_intent = _str((self.client.charge_retrieve(_str(obj.get("charge"))) or {}).get("payment_intent"))
        if not payment_intent or payment_intent not in self._order_payment_intents(order):
            raise EventRejected(f"the {what} is not for this order's payment")
        return payment_intent

    def _order_payment_intents(self, order: Order) -> set[str]:
        """The PaymentIntents that paid (or are paying) this order: recorded with its payments or,
        when a refund or dispute outruns the payment event, read from its own checkout sessions."""
        references = order_payment_references(order=order, provider=self.provider)
        recorded = {payment_ref for _checkout, payment_ref in references if payment_ref}
        if recorded:
            return recorded
        return {
            _str(self.client.checkout_session_retrieve(checkout).get("payment_intent"))
            for checkout, _payment_ref in references
            if checkout
        } - {""}


def billing_details_from(session: dict[str, Any]) -> dict[str, Any]:
    """The buyer as Checkout collected them (billing address and tax ids), for the invoice."""
    details = session.get("customer_details")
    if not isinstance(details, dict):
        return {}
    raw_address = details.get("address")
    address: dict[str, Any] = raw_address if isinstance(raw_address, dict) else {}
    tax_ids = [
        {"type": _str(t.get("type")), "value": _str(t.get("value"))}
        for t in details.get("tax_ids") or []
        if isinstance(t, dict) and t.get("value")
    ]
    lines = {k: _str(address.get(k)) for k in ("line1", "line2", "postal_code", "city", "state", "country")}
    result = {
        "name": _str(details.get("name")),
        "company": _str(details.get("business_name")),
        "email": _str(details.get("email")),
        "address": {k: v for k, v in lines.items() if v},
        "tax_ids": tax_ids,
    }
    return {k: v for k, v in result.items() if v}  # nothing empty on the invoice
