"""The order state machine. Every status change goes through `_transition`, called with the
order row locked (`select_for_update`); anything not in TRANSITIONS raises."""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from apps.billing.models import Order, Plan
from apps.billing.products import UnknownProduct, product_get
from apps.core.errors import ApplicationError
from apps.core.services import audit_log
from apps.events.services import event_record

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
_TIMESTAMPS: dict[str, str] = {
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
            gettext("Order %(reference)s cannot go from %(status)s to %(to)s.")
            % {"reference": order.reference, "status": order.status, "to": to},
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


def order_create(*, customer, plan: Plan, target_ref: str = "") -> Order:
    """A pending order with a snapshot of the plan as it is now, and where the customer asked the
    purchase to go (`target_ref`, already accepted by the product's `target_check`)."""
    if not plan.active:
        raise Http404(gettext("No such plan."))
    try:
        product_get(plan.product_kind)
    except UnknownProduct:  # a plan whose product is no longer sold (settings.BILLING_PRODUCTS)
        raise ApplicationError(gettext("This plan cannot be bought at the moment.")) from None
    return order_open(customer=customer, plan=plan, target_ref=target_ref)


def order_open(
    *,
    customer,
    plan: Plan,
    target_ref: str = "",
    plan_name: str | None = None,
    quantity: Decimal | None = None,
    price: Decimal | None = None,
    currency: str | None = None,
    validity_days: int | None = None,
    audit: dict | None = None,
    clean_exclude: tuple[str, ...] = (),
) -> Order:
    """Writes a pending order (validated, with its `order.created` audit entry) booked under
    `plan`, with the plan's terms unless a caller quoted its own (x402 sells any GB at a USDC
    price under a hidden plan). `audit` adds to the audit entry's data. Callers check first
    that the plan may be sold; order_create is the checkout's way in."""
    order = Order(
        customer=customer,
        plan=plan,
        product_kind=plan.product_kind,
        plan_name=plan.name if plan_name is None else plan_name,
        gb=plan.gb if quantity is None else quantity,
        price=plan.price if price is None else price,
        currency=plan.currency if currency is None else currency,
        validity_days=plan.validity_days if validity_days is None else validity_days,
        target_ref=target_ref,
    )
    order.full_clean(exclude=list(clean_exclude))
    with transaction.atomic():
        order.save()
        data = {
            "order": order.reference,
            "plan": plan.slug,
            "gb": str(order.gb),
            "price": str(order.price),
            "currency": order.currency,
            "target": target_ref,
        }
        audit_log(
            action="order.created", actor=customer, customer=customer, target=order, data={**data, **(audit or {})}
        )
    return order


# An underpaid order's failure reason starts with this (services/payments.py, the operator email).
UNDERPAID_REASON = "paid amount differs from the order"


def order_mark_payment_failed(*, order_id: int, reason: str) -> bool:
    """The payment did not go through (async debit failed). Only a pending order changes."""
    with transaction.atomic():
        order = order_lock(order_id=order_id)
        if order.status != S.PENDING:
            return False
        order.failure_reason = failure_text(reason)
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
        event_record(
            type="order.failed",
            customer_id=order.customer_id,
            resource_type="order",
            resource_id=order.pk,
            extra={"reason": order.failure_reason},
        )
    return changed


def order_retry_provisioning(*, order_id: int, actor=None, reason: str = "operator retry") -> bool:
    """Puts a paid order whose provisioning failed back in the queue (an operator action)."""
    with transaction.atomic():
        order = order_lock(order_id=order_id)
        if order.status != S.FAILED or order.paid_at is None:
            raise ApplicationError(
                gettext("Order %(reference)s is not a paid order whose provisioning failed.")
                % {"reference": order.reference}
            )
        order.failure_reason = ""
        order.provisioning_error = ""
        order.provisioning_next_attempt_at = None
        order.operator_alerted_at = None
        order.provisioning_deadline = timezone.now() + provisioning_window()
        if order.provisioning_started_at is not None:
            # A new round of attempts: the operator has checked (e.g. the key's audit log, when a
            # product's replay guard sent it here), or the job would fail it again at once.
            order.provisioning_started_at = timezone.now()
        _transition(order, S.PAID, reason=reason, actor=actor)
        job_enqueue_on_commit(PROVISION_ORDER, order.pk)
    return True
