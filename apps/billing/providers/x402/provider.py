"""x402 as billing's payment provider. Agents pay over HTTP 402 (apps/agents), never through the
site's checkout, so this provider takes no checkouts and no webhook deliveries. A settled payment
reaches billing as an in-process event (`settled_event`) through the same store-then-process
pipeline as every other provider, and payment_confirm decides whether it covers the order.

The event carries the facilitator's settlement as it was answered: x402 facilitators keep no
record to re-read, and the event never comes over HTTP (event_verify refuses every delivery).
USDC is a US dollar token: orders and payments are kept in usd, the asset and network on the
payment. Refunds are manual (a USDC transfer from the shop's wallet): supports_refund is False."""

from collections.abc import Mapping
from typing import Any

from django.conf import settings

from apps.billing.models import Order, Payment

from ..base import EventFacts, EventHeader, EventInvalid, EventRejected, Fact, PaymentProvider, UnknownOrder
from . import protocol

SETTLED = "x402.payment.settled"


def settled_event(*, order: Order, payment: Payment, settlement: dict[str, Any]) -> dict[str, Any]:
    """The in-process event for a successful settlement of `payment` (the facilitator's answer)."""
    return {
        "id": f"x402-settled-{payment.public_id}",
        "type": SETTLED,
        "data": {"order": str(order.public_id), "payment": str(payment.public_id), "settlement": settlement},
    }


class X402Provider(PaymentProvider):
    name = "x402"
    label = "USDC (x402)"
    takes_checkouts = False
    supports_refund = False

    def is_available(self) -> bool:
        return bool(settings.X402_ENABLED)

    def checkout_start(self, *args, **kwargs):
        raise NotImplementedError("x402 payments arrive with the request (HTTP 402), not through a checkout")

    def event_verify(self, *, payload: bytes, headers: Mapping[str, str]) -> dict[str, Any]:
        raise EventInvalid("not_accepted", "x402 settlements are never delivered over HTTP")

    def event_header(self, event: dict[str, Any]) -> EventHeader:
        if (
            not isinstance(event.get("id"), str)
            or event.get("type") != SETTLED
            or not isinstance(event.get("data"), dict)
        ):
            raise EventInvalid("malformed", "not an x402 settlement event")
        return EventHeader(event_id=event["id"], type=SETTLED, livemode=not settings.X402_SANDBOX)

    def event_order(self, event: dict[str, Any]) -> Order | None:
        order = Order.objects.filter(public_id=event["data"]["order"]).first()
        if order is None:
            raise UnknownOrder(f"no order {event['data']['order']}")
        return order

    def event_facts(self, *, event: dict[str, Any], order: Order) -> EventFacts | None:
        payment = order.payments.filter(provider=self.name, public_id=event["data"]["payment"]).first()
        settlement = event["data"]["settlement"]
        if payment is None:
            raise EventRejected("the settlement names no x402 payment of this order")
        if not settlement.get("success") or not settlement.get("transaction"):
            raise EventRejected("the facilitator did not report a settled transaction")
        if str(settlement.get("network")) != payment.info.get("network"):
            raise EventRejected("the settlement is on another network than the payment")
        value = settlement.get("amount") or payment.info.get("value")
        return EventFacts(
            fact=Fact.PAYMENT_CONFIRMED,
            checkout_reference=payment.reference,
            payment_reference=str(settlement["transaction"]),
            customer_reference=str(settlement.get("payer") or payment.info.get("payer") or ""),
            provider_status="settled",
            amount=protocol.from_atomic(value),
            currency=payment.currency,
        )
