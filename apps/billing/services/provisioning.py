"""Provisioning a paid order: billing claims it and calls its product's fulfilment through the
registry (apps.billing.products; the contract is apps/core/fulfilment.py). For pool traffic the
customer's first paid order mints a key, later orders top up that key (apps.proxies decides).

Exactly once, whatever fails where:
- one job per customer at a time (the key lease), and the order claimed under its row lock, where
  the product makes its decision once (`prepare`, in the same transaction);
- the product is called with no row lock held and no transaction open;
- every upstream write carries an idempotency key derived from the order, so a retry within the
  upstream's replay window replays instead of repeating; past it the product finds what an
  interrupted attempt made, or refuses (TerminalError) and the order goes to an operator.

The quantity a delivery carries is fixed when it is claimed: the order's quantity less what
refunds recorded before then took back (adjustments.py). Refund effects recorded later wait for
the delivery and are released to their jobs once it completes.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from apps.billing.models import Order
from apps.billing.products import product_get
from apps.core.errors import ApplicationError, RetryableError
from apps.core.fulfilment import Delivery, FulfilmentRequest, FulfilmentWait
from apps.core.services.notifications import operators_notify_on_commit
from apps.events.services import event_record

from .adjustments import order_adjustments_release, order_fold_adjustments
from .jobs import PROVISION_ORDER, SEND_ORDER_EMAIL, failure_text, job_enqueue_on_commit
from .leases import customer_key_lease, customer_key_lease_held
from .orders import S, _transition, order_lock, order_mark_failed
from .results import JobResult, backoff_seconds

logger = logging.getLogger(__name__)

BUSY_RETRY_SECONDS = 15


@dataclass(frozen=True)
class Claim:
    order: Order
    request: FulfilmentRequest


def _later(order_id: int, seconds: int, error: str = "") -> JobResult:
    fields: dict[str, object] = {"provisioning_next_attempt_at": timezone.now() + timedelta(seconds=seconds)}
    if error:
        fields["provisioning_error"] = failure_text(error, 2000)
    Order.objects.filter(pk=order_id).update(**fields)
    return JobResult("retry", retry_in=seconds)


def _delivery_quantity(order: Order) -> Decimal:
    # Orders claimed before provisioning_gb existed deliver their full GB.
    return order.provisioning_gb if order.provisioning_gb is not None else order.gb


def _request(order: Order, *, attempt: int, in_flight: tuple[str, ...] = ()) -> FulfilmentRequest:
    return FulfilmentRequest(
        customer_id=order.customer_id,
        order_ref=order.reference,
        quantity=_delivery_quantity(order),
        days=order.validity_days,
        idempotency_key=order.idempotency_prefix,
        attempt=attempt,
        first_attempt_at=order.provisioning_started_at or timezone.now(),  # set by the claim
        reason=f"order {order.reference} ({order.plan_name})",
        in_flight_refs=in_flight,
        plan_slug=order.plan.slug,
        target_ref=order.target_ref,
    )


def _in_flight(order: Order) -> tuple[str, ...]:
    """The customer's other paid orders of the same product, not delivered yet."""
    others = Order.objects.filter(
        customer_id=order.customer_id, product_kind=order.product_kind, status=S.PAID, fulfilment_ref=""
    ).exclude(pk=order.pk)
    return tuple(other.reference for other in others.only("public_id"))


def _claim(order_id: int) -> Claim | JobResult:
    with transaction.atomic():
        order = order_lock(order_id=order_id)
        if order.status != S.PAID:
            return JobResult("skipped")
        product = product_get(order.product_kind)
        first = order.provisioning_started_at is None
        if first:
            order.provisioning_started_at = timezone.now()
            # Fixed here, once, before the first upstream call: refunds already recorded ride on
            # the delivery, and every retry sends the same quantity.
            order.provisioning_gb = order_fold_adjustments(order, min_quantity=product.min_quantity)
        request = _request(order, attempt=order.provisioning_attempts + 1, in_flight=_in_flight(order) if first else ())
        try:
            product.prepare(request)
        except FulfilmentWait:
            transaction.set_rollback(True)  # nothing decided: the claim starts afresh next time
            return JobResult("waiting")
        except ApplicationError as exc:  # the product refuses to go on (e.g. a replay window passed)
            order_mark_failed(order_id=order.pk, reason=exc.message)
            return JobResult("failed")
        order.provisioning_attempts += 1
        order.provisioning_next_attempt_at = None
        order.save(
            update_fields=[
                "provisioning_started_at",
                "provisioning_gb",
                "provisioning_attempts",
                "provisioning_next_attempt_at",
                "updated_at",
            ]
        )
    return Claim(order=order, request=request)


def _operator_note(order: Order, delivery: Delivery) -> None:
    note = delivery.needs_operator_note
    if note is None:
        return
    operators_notify_on_commit(
        subject=f"Order {order.reference} {note.subject}",
        body=f"{order.customer.email} paid order {order.reference} ({order.plan_name}); {note.body}\n"
        f"{settings.SITE_URL}{reverse('admin:billing_order_change', args=[order.pk])}\n",
    )


def _complete(order_id: int, delivery: Delivery) -> None:
    with transaction.atomic():
        order = order_lock(order_id=order_id)
        order.fulfilment_ref = delivery.ref
        order.provisioning_error = ""
        order.provisioning_next_attempt_at = None
        if order.status == S.FAILED and order.paid_at is not None:
            _transition(order, S.PAID, reason="a late provisioning attempt succeeded")
        if order.status == S.PAID:
            _transition(order, S.PROVISIONED, data=delivery.audit or {"delivery": delivery.ref})
            job_enqueue_on_commit(SEND_ORDER_EMAIL, order.pk, "ready")
            event_record(
                type="order.provisioned", customer_id=order.customer_id, resource_type="order", resource_id=order.pk
            )
            _operator_note(order, delivery)
        else:
            # Refunded or disputed while it was being delivered: keep the link and mark the
            # delivery, so the refund policy acts on what was delivered.
            order.provisioned_at = order.provisioned_at or timezone.now()
            order.save(
                update_fields=[
                    "fulfilment_ref",
                    "provisioned_at",
                    "provisioning_error",
                    "provisioning_next_attempt_at",
                    "updated_at",
                ]
            )


def order_provision(*, order_id: int) -> JobResult:
    """Delivers a paid order. Idempotent: call it as often as you like."""
    order = Order.objects.filter(pk=order_id).first()
    if order is None or order.status != S.PAID:
        return JobResult("skipped")
    if order.provisioning_deadline and timezone.now() > order.provisioning_deadline:
        order_mark_failed(order_id=order_id, reason=f"not provisioned within the window: {order.provisioning_error}")
        return JobResult("failed")
    with customer_key_lease(customer_id=order.customer_id) as token:
        if token is None:
            return _later(order_id, BUSY_RETRY_SECONDS)
        try:
            claim = _claim(order_id)
        except ApplicationError as exc:  # e.g. the order's product is no longer registered
            logger.error("order %s: cannot provision: %s", order.reference, exc)
            Order.objects.filter(pk=order_id).update(provisioning_error=failure_text(str(exc), 2000))
            order_mark_failed(order_id=order_id, reason=f"provisioning failed: {exc}")
            return JobResult("failed")
        if isinstance(claim, JobResult):
            return _later(order_id, BUSY_RETRY_SECONDS) if claim.outcome == "waiting" else claim
        request = claim.request
        try:
            delivery = product_get(claim.order.product_kind).fulfil(request)
        except RetryableError as exc:
            delay = backoff_seconds(request.attempt, retry_after=exc.retry_after)
            logger.warning(
                "order %s: provisioning attempt %d failed (%s); retry in %ss",
                claim.order.reference,
                request.attempt,
                exc,
                delay,
            )
            return _later(order_id, delay, str(exc))
        except ApplicationError as exc:
            logger.error("order %s: provisioning failed for good: %s", claim.order.reference, exc)
            Order.objects.filter(pk=order_id).update(provisioning_error=failure_text(str(exc), 2000))
            order_mark_failed(order_id=order_id, reason=f"provisioning failed: {exc}")
            return JobResult("failed")
        _complete(order_id, delivery)
    # Outside the lease, so the jobs can take it: refund effects that waited for this delivery.
    order_adjustments_release(order_id=order_id)
    logger.info("order %s provisioned (%s)", claim.order.reference, delivery.label)
    return JobResult("provisioned")


def order_provisioning_nudge(*, order: Order) -> bool:
    """Schedules a provisioning attempt for a paid order whose retry is due. Lets the status
    page heal an order even where no beat process runs (the embedded default)."""
    if order.status != S.PAID:
        return False
    if order.provisioning_next_attempt_at and order.provisioning_next_attempt_at > timezone.now():
        return False
    if order.provisioning_attempts == 0 and order.paid_at and timezone.now() - order.paid_at < timedelta(seconds=30):
        return False  # the first attempt was scheduled with the payment
    if customer_key_lease_held(customer_id=order.customer_id):
        return False
    job_enqueue_on_commit(PROVISION_ORDER, order.pk)
    return True
