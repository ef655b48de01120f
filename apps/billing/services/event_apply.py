"""What a provider event's facts do, through the payment and order services: one function per
fact, run inside the processing transaction with the event row locked (services/events.py). The
same for every provider."""

from collections.abc import Callable

from apps.billing.models import Order, Payment, ProviderEvent
from apps.billing.providers.base import EventFacts, EventRejected, Fact
from apps.billing.selectors import payment_find
from apps.core.errors import ApplicationError

from .adjustments import order_record_dispute, order_record_refund
from .disputes import order_record_dispute_closed
from .payment_confirm import payment_confirm
from .payments import payment_cancel, payment_fail, payment_for_checkout, payment_note_pending


def _source(record: ProviderEvent) -> str:
    return f"{record.provider} {record.type} {record.event_id}"


def _checkout_payment(record: ProviderEvent, order: Order, facts: EventFacts) -> Payment:
    if not facts.checkout_reference:
        raise EventRejected("the provider named no checkout for this payment")
    try:
        return payment_for_checkout(order=order, provider=record.provider, reference=facts.checkout_reference)
    except ApplicationError as exc:
        raise EventRejected(exc.message) from exc


def _payment_confirmed(record: ProviderEvent, order: Order, facts: EventFacts) -> str:
    payment = record.payment = _checkout_payment(record, order, facts)
    return payment_confirm(
        payment_id=payment.pk,
        amount_received=facts.amount,
        currency=facts.currency or order.currency,
        discount=facts.discount,
        tax=facts.tax,
        billing_details=facts.billing_details,
        invoice_reference=facts.invoice_reference,
        payment_reference=facts.payment_reference,
        customer_reference=facts.customer_reference,
        provider_status=facts.provider_status,
        source=_source(record),
    )


def _payment_pending(record: ProviderEvent, order: Order, facts: EventFacts) -> str:
    payment = record.payment = _checkout_payment(record, order, facts)
    return payment_note_pending(
        payment_id=payment.pk,
        provider_status=facts.provider_status,
        payment_reference=facts.payment_reference,
        customer_reference=facts.customer_reference,
    )


def _payment_failed(record: ProviderEvent, order: Order, facts: EventFacts) -> str:
    payment = record.payment = _checkout_payment(record, order, facts)
    return payment_fail(payment_id=payment.pk, reason=facts.reason or "the payment failed", provider_status="unpaid")


def _checkout_expired(record: ProviderEvent, order: Order, facts: EventFacts) -> str:
    payment = record.payment = _checkout_payment(record, order, facts)
    return payment_cancel(payment_id=payment.pk)


def _refund(record: ProviderEvent, order: Order, facts: EventFacts) -> str:
    return order_record_refund(
        order_id=order.pk,
        charge_id=facts.reference,
        amount_refunded=facts.amount,
        fully_refunded=facts.fully_refunded,
        source=_source(record),
    )


def _dispute_opened(record: ProviderEvent, order: Order, facts: EventFacts) -> str:
    return order_record_dispute(
        order_id=order.pk, dispute_id=facts.reference, amount=facts.amount, source=_source(record)
    )


def _dispute_closed(record: ProviderEvent, order: Order, facts: EventFacts) -> str:
    return order_record_dispute_closed(
        order_id=order.pk,
        dispute_id=facts.reference,
        status=facts.dispute_status,
        amount=facts.amount,
        source=_source(record),
    )


# One entry per fact; tests patch it (event_apply._APPLY) to make processing fail.
_APPLY: dict[Fact, Callable[[ProviderEvent, Order, EventFacts], str]] = {
    Fact.PAYMENT_CONFIRMED: _payment_confirmed,
    Fact.PAYMENT_PENDING: _payment_pending,
    Fact.PAYMENT_FAILED: _payment_failed,
    Fact.CHECKOUT_EXPIRED: _checkout_expired,
    Fact.REFUND: _refund,
    Fact.DISPUTE_OPENED: _dispute_opened,
    Fact.DISPUTE_CLOSED: _dispute_closed,
}


def event_facts_apply(*, record: ProviderEvent, order: Order, facts: EventFacts) -> str:
    """Does what the facts say, through the payment and order services; returns the outcome."""
    if facts.payment_reference and record.payment_id is None:
        # Refunds and disputes name the provider's payment; link the event to it when known.
        record.payment = payment_find(provider=record.provider, payment_reference=facts.payment_reference)
    return _APPLY[facts.fact](record, order, facts)
