"""Confirming a payment: the one place that decides "is the order fully paid?". The money received
plus what the provider's own discount took off (a Stripe promotion code) must cover the order's
price, in the order's currency; then the order is paid and provisioning is enqueued. Short of it,
or in another currency, the order goes to an operator (underpaid). At most one confirmed payment
counts per order (a constraint): a second one is kept aside for an operator to refund."""

import logging
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apps.billing.models import Order, Payment
from apps.core.services import audit_log
from apps.core.services.notifications import operators_notify_on_commit
from apps.events.services import event_record

from .invoices import invoice_issue
from .jobs import PROVISION_ORDER, SEND_ORDER_EMAIL, failure_text, job_enqueue_on_commit
from .orders import UNDERPAID_REASON, S, _transition, provisioning_window
from .payments import P, _note, payment_lock, payment_transition

logger = logging.getLogger(__name__)


def payment_confirm(
    *,
    payment_id: int,
    amount_received: Decimal,
    currency: str,
    discount: Decimal = Decimal("0.00"),
    tax: Decimal = Decimal("0.00"),
    billing_details: dict | None = None,
    invoice_reference: str = "",
    payment_reference: str = "",
    customer_reference: str = "",
    provider_status: str = "",
    source: str = "",
) -> str:
    """The provider received money for this payment. Records it and decides, once, whether it
    pays the order in full: then the order is paid and provisioning is enqueued (it runs after
    the commit, outside any lock); short of it, the order goes to an operator. Returns the
    outcome: paid, already_paid, underpaid, no_change or duplicate_payment."""
    currency = currency.lower()
    with transaction.atomic():
        order, payment = payment_lock(payment_id=payment_id)
        if payment.state == P.CONFIRMED:  # a redelivery, or another event about the same payment
            return "already_paid" if _pays_in_full(order, payment) else "no_change"
        fields = _note(
            payment,
            provider_status=provider_status,
            payment_reference=payment_reference,
            customer_reference=customer_reference,
        )
        other = order.payments.filter(state=P.CONFIRMED).exclude(pk=payment.pk).first()
        if other is not None:
            _duplicate(order, payment, other, amount_received, currency, fields)
            return "duplicate_payment"
        payment.amount_received = amount_received
        payment.currency_received = currency
        payment.discount = discount
        payment.tax = tax
        payment.invoice_reference = invoice_reference
        if billing_details:
            order.billing_details = billing_details
            order.save(update_fields=["billing_details", "updated_at"])
        payment_transition(
            payment,
            P.CONFIRMED,
            fields=(*fields, "amount_received", "currency_received", "discount", "tax", "invoice_reference"),
        )
        if _pays_in_full(order, payment):
            return _order_paid(order, payment, source)
        return _order_underpaid(order, payment, source)


def _pays_in_full(order: Order, payment: Payment) -> bool:
    """The one answer to "is the order fully paid?": the money received plus what the provider's
    own discount took off covers the order's price, in the order's currency."""
    if payment.currency_received != order.currency or payment.amount_received is None:
        return False
    # Tax is on top of the price: what Stripe charged includes it, so it does not pay the order.
    return payment.amount_received + payment.discount - payment.tax >= order.price


def _payment_data(payment: Payment) -> dict:
    data = {
        "amount_paid": str(payment.amount_received),
        "payment": str(payment.public_id),
        "provider": payment.provider,
    }
    if payment.discount:
        data["discount"] = str(payment.discount)
    return data


def _order_paid(order: Order, payment: Payment, source: str) -> str:
    """The order's side of a full payment (order locked)."""
    money_back = order.status in {S.REFUNDED, S.DISPUTED}
    if order.status in {S.PAID, S.PROVISIONED} or (money_back and order.paid_at is not None):
        return "already_paid"  # already paid, or the money has gone back: nothing to provision
    if order.status == S.FAILED and order.paid_at is not None:
        return "already_paid"  # paid before; an operator decides about the failed provisioning
    if money_back:
        # The refund or dispute outran the payment: nothing to provision, but the payment is a
        # fact (the refund budget, a won dispute and the revenue count on it).
        order.paid_at = timezone.now()
        order.save()
        audit_log(
            action="order.payment_noted",
            customer=order.customer,
            target=order,
            reason=failure_text(source),
            data={"order": order.reference, "status": order.status, **_payment_data(payment)},
        )
        return "already_paid"
    order.failure_reason = ""
    order.provisioning_deadline = timezone.now() + provisioning_window()
    _transition(order, S.PAID, reason=source, data=_payment_data(payment))
    invoice_issue(order=order, payment=payment)
    event_record(type="order.paid", customer_id=order.customer_id, resource_type="order", resource_id=order.pk)
    # Robust: a broker outage after the commit must not turn this into an error for an event
    # already processed, nor cost the receipt; the reconciler re-drives both.
    job_enqueue_on_commit(SEND_ORDER_EMAIL, order.pk, "receipt")  # before the key: receipt, then "ready"
    job_enqueue_on_commit(PROVISION_ORDER, order.pk)
    return "paid"


def _order_underpaid(order: Order, payment: Payment, source: str) -> str:
    """The provider took money, but less than the order's price (its own discount counted) or in
    another currency. Nothing is provisioned: the order is flagged for an operator (failed with
    the payment time set, so it shows under "needs attention"), who refunds it or, having
    checked, retries provisioning."""
    amount, currency = payment.amount_received, payment.currency_received
    logger.warning(
        "order %s: paid %s %s, expected %s %s", order.reference, amount, currency, order.price, order.currency
    )
    if order.paid_at is not None or order.status not in {S.PENDING, S.EXPIRED, S.FAILED}:
        return "no_change"  # already paid (or flagged), or the money has gone back
    received = f"{amount} {currency.upper()}"
    if payment.discount:
        received += f" (and a discount of {payment.discount})"
    reason = f"{UNDERPAID_REASON}: received {received}, expected {order.price} {order.currency.upper()}"
    order.failure_reason = failure_text(reason)
    order.paid_at = timezone.now()
    data = {**_payment_data(payment), "currency": currency, "expected": str(order.price)}
    if order.status == S.FAILED:  # an earlier payment attempt failed: already in the right state
        order.full_clean(exclude=["customer", "plan"])
        order.save()
        audit_log(
            action="order.failed",
            customer=order.customer,
            target=order,
            reason=failure_text(f"{reason} ({source})"),
            data={"order": order.reference, **data},
        )
    else:
        _transition(order, S.FAILED, reason=f"{reason} ({source})", data=data)
    job_enqueue_on_commit(SEND_ORDER_EMAIL, order.pk, "operator_alert")
    return "underpaid"


def _duplicate(
    order: Order, payment: Payment, other: Payment, amount: Decimal, currency: str, fields: tuple[str, ...]
) -> None:
    """A second payment confirmed for an order already paid by another: it is not counted (one
    confirmed payment per order), it is kept pending with what the provider said, and the
    operators are told, to refund it at the provider."""
    payment.info = {**payment.info, "duplicate_of": str(other.public_id), "received": f"{amount} {currency}"}
    payment.save(update_fields=[*fields, "info", "updated_at"])
    logger.error("order %s: a second payment %s was confirmed", order.reference, payment.public_id)
    audit_log(
        action="payment.duplicate",
        customer=order.customer,
        target=order,
        data={"order": order.reference, "payment": str(payment.public_id), "received": f"{amount} {currency}"},
    )
    operators_notify_on_commit(
        subject=f"Order {order.reference} was paid twice",
        body=f"{order.customer.email} paid order {order.reference} a second time: {amount} {currency.upper()} "
        f"through {payment.provider} ({payment.payment_reference or payment.reference}). The order counts one "
        "payment; refund the other at the provider.",
    )
