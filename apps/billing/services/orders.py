"""The order state machine. Every status change goes through `_transition`, called with the
order row locked (`select_for_update`); anything not in TRANSITIONS raises."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from apps.billing.models import Order, Plan
from apps.core.errors import ApplicationError
from apps.core.services import audit_log

from .jobs import PROVISION_ORDER, SEND_ORDER_EMAIL, failure_text, job_enqueue_on_commit

S = Order.Status

TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING: frozenset({S.PAID, S.EXPIRED, S.FAILED, S.REFUNDED, S.DISPUTED}),
    # Stripe is the authority on money: a payment confirmed after we gave up on the checkout
    # still buys the key (or, when it is short of the price, is flagged failed for an operator).
    S.EXPIRED: frozenset({S.PAID, S.FAILED, S.REFUNDED, S.DISPUTED}),
    S.PAID: frozenset({S.PROVISIONED, S.FAILED, S.REFUNDED, S.DISPUTED}),
    # Back to paid: an operator retries a failed provisioning, or a late payment arrives.
    S.FAILED: frozenset({S.PAID, S.REFUNDED, S.DISPUTED}),
    S.PROVISIONED: frozenset({S.REFUNDED, S.DISPUTED}),
    S.REFUNDED: frozenset({S.DISPUTED}),
    # A won dispute: back to delivered, or (paid, never delivered) to an operator.
    S.DISPUTED: frozenset({S.REFUNDED, S.PROVISIONED, S.FAILED}),
}
_TIMESTAMPS = {
    S.PAID: "paid_at",
    S.PROVISIONED: "provisioned_at",
    S.EXPIRED: "expired_at",
    S.FAILED: "failed_at",
    S.REFUNDED: "refunded_at",
    S.DISPUTED: "disputed_at",
}


class IllegalTransition(ApplicationError):
    pass


def provisioning_window() -> timedelta:
    """How long the shop keeps trying to deliver a paid order: as long as Stripe retries a webhook."""
    return timedelta(hours=settings.BILLING_PROVISIONING_WINDOW_HOURS)


def order_lock(*, order_id: int) -> Order:
    """The order row, locked until the surrounding transaction ends."""
    return Order.objects.select_for_update().select_related("customer").get(pk=order_id)


def _transition(order: Order, to: str, *, reason: str = "", actor=None, data: dict | None = None) -> bool:
    """Moves a locked order to `to`. False when it is already there (nothing written)."""
    if order.status == to:
        return False
    if to not in TRANSITIONS[order.status]:
        raise IllegalTransition(
            f"Order {order.reference} cannot go from {order.status} to {to}.",
            extra={"order": order.reference, "from": order.status, "to": to},
        )
    before = order.status
    order.status = to
    # paid_at is when the money first arrived, provisioned_at when the goods were first delivered.
    if not (to in (S.PAID, S.PROVISIONED) and getattr(order, _TIMESTAMPS[to]) is not None):
        setattr(order, _TIMESTAMPS[to], timezone.now())
    order.full_clean(exclude=["customer", "plan"])
    order.save()
    audit_log(
        action=f"order.{to}",
        actor=actor,
        customer=order.customer,
        target=order,
        reason=failure_text(reason),
        data={"order": order.reference, "from": before, "to": to, **(data or {})},
    )
    return True


def order_transition(*, order_id: int, to: str, reason: str = "", actor=None) -> Order:
    """A bare, locked transition (operator tools). Domain flows use the functions below."""
    with transaction.atomic():
        order = order_lock(order_id=order_id)
        _transition(order, to, reason=reason, actor=actor)
    return order


def order_create(*, customer, plan: Plan) -> Order:
    """A pending order with a snapshot of the plan as it is now."""
    if not plan.active:
        raise Http404("No such plan.")
    order = Order(
        customer=customer,
        plan=plan,
        plan_name=plan.name,
        gb=plan.gb,
        price=plan.price,
        currency=plan.currency,
        validity_days=plan.validity_days,
    )
    order.full_clean()
    with transaction.atomic():
        order.save()
        audit_log(
            action="order.created",
            actor=customer,
            customer=customer,
            target=order,
            data={
                "order": order.reference,
                "plan": plan.slug,
                "gb": str(plan.gb),
                "price": str(plan.price),
                "currency": plan.currency,
            },
        )
    return order


def order_mark_paid(
    *,
    order_id: int,
    amount_paid: Decimal | None,
    payment_intent_id: str = "",
    stripe_customer_id: str = "",
    payment_status: str = "paid",
    source: str = "",
) -> bool:
    """Records a confirmed payment and, in the same transaction, schedules provisioning (it runs
    after commit, outside any lock). True when this call changed the order."""
    with transaction.atomic():
        order = order_lock(order_id=order_id)
        money_back = order.status in {S.REFUNDED, S.DISPUTED}
        if order.status in {S.PAID, S.PROVISIONED} or (money_back and order.paid_at is not None):
            return False  # already paid, or the money has gone back: nothing to provision
        if order.status == S.FAILED and order.paid_at is not None:
            return False  # paid before; an operator decides about the failed provisioning
        order.payment_status = payment_status
        order.amount_paid = amount_paid
        order.stripe_payment_intent_id = payment_intent_id or order.stripe_payment_intent_id
        order.stripe_customer_id = stripe_customer_id or order.stripe_customer_id
        if money_back:
            # The refund or dispute outran the payment: nothing to provision, but the payment is
            # a fact (the refund budget, a won dispute and the revenue count on it).
            order.paid_at = timezone.now()
            order.save()
            audit_log(
                action="order.payment_noted",
                customer=order.customer,
                target=order,
                reason=failure_text(source),
                data={"order": order.reference, "status": order.status, "amount_paid": str(amount_paid)},
            )
            return False
        order.failure_reason = ""
        order.provisioning_deadline = timezone.now() + provisioning_window()
        _transition(order, S.PAID, reason=source, data={"amount_paid": str(amount_paid)})
        # Robust: a broker outage after the commit must not turn this into an error for an
        # event already processed, nor cost the receipt; the reconciler re-drives both.
        job_enqueue_on_commit(PROVISION_ORDER, order.pk)
        job_enqueue_on_commit(SEND_ORDER_EMAIL, order.pk, "receipt")
    return True


UNDERPAID_REASON = "paid amount differs from the order"


def order_mark_underpaid(
    *,
    order_id: int,
    amount_paid: Decimal,
    currency: str,
    payment_intent_id: str = "",
    stripe_customer_id: str = "",
    payment_status: str = "paid",
    source: str = "",
) -> bool:
    """Stripe took money, but less than the order's price or in another currency. Nothing is
    provisioned: the order is flagged for an operator (failed with the payment time set, so it
    shows under "needs attention"), who refunds it or, having checked, retries provisioning.
    True when this call changed the order."""
    with transaction.atomic():
        order = order_lock(order_id=order_id)
        if order.paid_at is not None or order.status not in {S.PENDING, S.EXPIRED, S.FAILED}:
            return False  # already paid (or flagged), or the money has gone back
        reason = (
            f"{UNDERPAID_REASON}: received {amount_paid} {currency.upper()}, "
            f"expected {order.price} {order.currency.upper()}"
        )
        order.payment_status = payment_status[:32]
        # amount_paid is in the order's currency; a payment in another currency is only named in the reason.
        order.amount_paid = amount_paid if currency == order.currency else None
        order.stripe_payment_intent_id = payment_intent_id or order.stripe_payment_intent_id
        order.stripe_customer_id = stripe_customer_id or order.stripe_customer_id
        order.failure_reason = failure_text(reason)
        order.paid_at = timezone.now()
        data = {"amount_paid": str(amount_paid), "currency": currency, "expected": str(order.price)}
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
    return True


def order_note_payment_status(*, order_id: int, payment_status: str, payment_intent_id: str = "") -> None:
    """A completed checkout whose money has not arrived yet (bank debits): remember what Stripe
    said, keep the order pending until the async result."""
    with transaction.atomic():
        order = order_lock(order_id=order_id)
        order.payment_status = payment_status[:32]
        order.stripe_payment_intent_id = payment_intent_id or order.stripe_payment_intent_id
        order.save(update_fields=["payment_status", "stripe_payment_intent_id", "updated_at"])


def order_mark_payment_failed(*, order_id: int, reason: str) -> bool:
    """The payment did not go through (async debit failed). Only a pending order changes."""
    with transaction.atomic():
        order = order_lock(order_id=order_id)
        if order.status != S.PENDING:
            return False
        order.failure_reason = failure_text(reason)
        order.payment_status = "unpaid"
        return _transition(order, S.FAILED, reason=reason)


def order_expire(*, order_id: int, reason: str = "checkout session expired") -> bool:
    """The checkout expired unpaid. Only a pending order changes."""
    with transaction.atomic():
        order = order_lock(order_id=order_id)
        if order.status != S.PENDING:
            return False
        return _transition(order, S.EXPIRED, reason=reason)


def order_mark_failed(*, order_id: int, reason: str, actor=None) -> bool:
    """Provisioning gave up: the order is flagged for an operator, who is told by email."""
    with transaction.atomic():
        order = order_lock(order_id=order_id)
        if order.status != S.PAID:
            return False
        order.failure_reason = failure_text(reason)
        changed = _transition(order, S.FAILED, reason=reason, actor=actor)
        job_enqueue_on_commit(SEND_ORDER_EMAIL, order.pk, "operator_alert")
    return changed


def order_retry_provisioning(*, order_id: int, actor=None, reason: str = "operator retry") -> bool:
    """Puts a paid order whose provisioning failed back in the queue (an operator action)."""
    with transaction.atomic():
        order = order_lock(order_id=order_id)
        if order.status != S.FAILED or order.paid_at is None:
            raise ApplicationError(f"Order {order.reference} is not a paid order whose provisioning failed.")
        order.failure_reason = ""
        order.provisioning_error = ""
        order.provisioning_next_attempt_at = None
        order.operator_alerted_at = None
        order.provisioning_deadline = timezone.now() + provisioning_window()
        if order.provisioning_action == Order.Action.TOP_UP:
            # The operator has checked the key (the 23 h replay guard sent it here): a new window,
            # or the job would fail it again at once and the order could never be delivered.
            order.provisioning_started_at = timezone.now()
        _transition(order, S.PAID, reason=reason, actor=actor)
        job_enqueue_on_commit(PROVISION_ORDER, order.pk)
    return True


def order_attach_checkout_session(*, order_id: int, session_id: str, url: str, stripe_customer_id: str = "") -> None:
    Order.objects.filter(pk=order_id).update(
        stripe_checkout_session_id=session_id,
        checkout_url=url,
        stripe_customer_id=stripe_customer_id,
        updated_at=timezone.now(),
    )


def order_mark_checkout_failed(*, order_id: int, reason: str) -> None:
    """Stripe could not open a checkout: the pending order will never be paid."""
    with transaction.atomic():
        order = order_lock(order_id=order_id)
        if order.status == S.PENDING:
            order.failure_reason = failure_text(reason)
            _transition(order, S.FAILED, reason=reason)
