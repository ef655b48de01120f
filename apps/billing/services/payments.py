"""Payments: one row per attempt, moved through its states only here, under the order's row lock.

    created ──> pending ──> confirmed
       │           ├──────> failed    ──> confirmed
       └───────────┴──────> canceled  ──> confirmed

A failed or canceled payment can still be confirmed: the provider is the authority on money, and
a payment it confirms late (after the checkout expired, after an async failure was reported out
of order) still counts. A confirmed payment never changes state again (refunds are recorded on the
order). Anything else raises IllegalPaymentTransition. Confirming is payment_confirm.py's."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from apps.billing.models import Order, Payment
from apps.billing.providers.base import CheckoutRedirect
from apps.core.errors import ApplicationError

from .jobs import failure_text
from .orders import S, _transition, order_expire, order_lock, order_mark_payment_failed

P = Payment.State
PAYMENT_TRANSITIONS: dict[str, frozenset[str]] = {
    P.CREATED: frozenset({P.PENDING, P.CONFIRMED, P.FAILED, P.CANCELED}),
    P.PENDING: frozenset({P.CONFIRMED, P.FAILED, P.CANCELED}),
    P.FAILED: frozenset({P.CONFIRMED}),
    P.CANCELED: frozenset({P.CONFIRMED}),
    P.CONFIRMED: frozenset(),
}
OPEN = (P.CREATED, P.PENDING)


class IllegalPaymentTransition(ApplicationError):
    pass


def payment_lock(*, payment_id: int) -> tuple[Order, Payment]:
    """The payment's order row, then the payment row, locked until the transaction ends (always in
    that order, as every order change takes the order lock first)."""
    order_id = Payment.objects.values_list("order_id", flat=True).get(pk=payment_id)
    order = order_lock(order_id=order_id)
    return order, Payment.objects.select_for_update().get(pk=payment_id)


def payment_transition(payment: Payment, to: str, *, fields: tuple[str, ...] = ()) -> bool:
    """Moves a locked payment to `to` (saving `fields` too). False when it is already there."""
    if payment.state == to:
        if fields:
            payment.save(update_fields=[*fields, "updated_at"])
        return False
    if to not in PAYMENT_TRANSITIONS[payment.state]:
        raise IllegalPaymentTransition(
            gettext("Payment %(public_id)s cannot go from %(state)s to %(to)s.")
            % {"public_id": payment.public_id, "state": payment.state, "to": to},
            extra={"payment": str(payment.public_id), "from": payment.state, "to": to},
        )
    payment.state = to
    changed = ["state", *fields]
    if to == P.CONFIRMED:
        payment.confirmed_at = timezone.now()
        changed.append("confirmed_at")
    elif to in (P.FAILED, P.CANCELED):
        payment.failed_at = timezone.now()
        changed.append("failed_at")
    payment.save(update_fields=[*changed, "updated_at"])
    return True


def _note(payment: Payment, **values: str) -> tuple[str, ...]:
    """Sets the provider's references that are given (an empty value keeps what is stored)."""
    changed = []
    for name, value in values.items():
        value = value[:32] if name == "provider_status" else value
        if value and getattr(payment, name) != value:
            setattr(payment, name, value)
            changed.append(name)
    return tuple(changed)


# Checkout ---------------------------------------------------------------------------------------


def payment_create(*, order: Order, provider: str) -> Payment:
    """A new attempt to pay `order` in full through `provider` (not at the provider yet)."""
    return Payment.objects.create(order=order, provider=provider, amount=order.price, currency=order.currency)


def payment_attach_checkout(*, payment_id: int, redirect: CheckoutRedirect) -> Payment:
    """The provider opened the checkout: the payment is pending there."""
    with transaction.atomic():
        _order, payment = payment_lock(payment_id=payment_id)
        payment.reference = redirect.reference
        payment.redirect_url = redirect.url
        payment.customer_reference = redirect.customer_reference
        payment.info = {**payment.info, **redirect.info}
        payment_transition(payment, P.PENDING, fields=("reference", "redirect_url", "customer_reference", "info"))
    return payment


def payment_checkout_failed(*, payment_id: int, reason: str) -> None:
    """The provider could not open a checkout: the payment failed, and its pending order will
    never be paid."""
    with transaction.atomic():
        order, payment = payment_lock(payment_id=payment_id)
        if payment.state in OPEN:
            payment.info = {**payment.info, "error": failure_text(reason)}
            payment_transition(payment, P.FAILED, fields=("info",))
        if order.status == S.PENDING:
            order.failure_reason = failure_text(reason)
            _transition(order, S.FAILED, reason=reason)


def payment_for_checkout(*, order: Order, provider: str, reference: str) -> Payment:
    """The payment a provider's checkout belongs to. A checkout the shop has no row for (it was
    opened, but the row never got its reference) gets one now: the provider's word on money
    counts whatever the shop recorded. The unique (provider, reference) decides, not a read."""
    payment, _created = Payment.objects.get_or_create(
        provider=provider,
        reference=reference,
        defaults={"order": order, "amount": order.price, "currency": order.currency, "state": P.PENDING},
    )
    if payment.order_id != order.pk:
        raise ApplicationError(gettext("checkout %(reference)s belongs to another order") % {"reference": reference})
    return payment


# What the provider says happened ----------------------------------------------------------------


def payment_note_pending(
    *, payment_id: int, provider_status: str = "", payment_reference: str = "", customer_reference: str = ""
) -> str:
    """A completed checkout whose money has not arrived yet (bank debits): remember what the
    provider said, keep the order pending until the result."""
    with transaction.atomic():
        _order, payment = payment_lock(payment_id=payment_id)
        fields = _note(
            payment,
            provider_status=provider_status,
            payment_reference=payment_reference,
            customer_reference=customer_reference,
        )
        if payment.state in OPEN:
            payment_transition(payment, P.PENDING, fields=fields)
    return "awaiting_payment"


def payment_fail(*, payment_id: int, reason: str, provider_status: str = "") -> str:
    """The payment did not go through (an async debit failed). Only a pending order changes."""
    with transaction.atomic():
        order, payment = payment_lock(payment_id=payment_id)
        fields = _note(payment, provider_status=provider_status)
        if payment.state in OPEN:
            payment_transition(payment, P.FAILED, fields=fields)
        changed = order_mark_payment_failed(order_id=order.pk, reason=reason)
    return "payment_failed" if changed else "no_change"


def payment_cancel(*, payment_id: int, reason: str = "checkout session expired") -> str:
    """The checkout expired unpaid. Only a pending order changes."""
    with transaction.atomic():
        order, payment = payment_lock(payment_id=payment_id)
        if payment.state in OPEN:
            payment_transition(payment, P.CANCELED)
        changed = order_expire(order_id=order.pk, reason=reason)
    return "expired" if changed else "no_change"
