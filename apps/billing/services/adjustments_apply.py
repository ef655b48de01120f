"""Applying one KeyAdjustment to what its order delivered, through the order's product (the
registry; for pool traffic the key): a job, run under the customer's key lease (so no top-up races
a cap change) with no database lock over the upstream call, idempotent (each upstream write
carries a key derived from the adjustment; the product's plan, e.g. a cap target, is computed and
stored once).

An effect on an order with nothing delivered yet waits for the delivery (provisioning releases
it, the reconciler does too); it is skipped only when the order can no longer be delivered."""

import logging
from datetime import timedelta

from django.db.models import F, Q
from django.utils import timezone

from apps.billing.models import KeyAdjustment, Order
from apps.billing.products import product_get
from apps.core.errors import ApplicationError, RetryableError
from apps.core.fulfilment import GiveBack, TakeBack
from apps.core.services import audit_log
from apps.core.services.notifications import operators_notify_on_commit

from .adjustments import WAITING_FOR_DELIVERY, K, order_awaiting_delivery_q
from .jobs import failure_text
from .leases import customer_key_lease
from .results import JobResult, backoff_seconds

logger = logging.getLogger(__name__)

A = KeyAdjustment.Action
ST = KeyAdjustment.Status
BUSY_RETRY_SECONDS = 15
# A won dispute whose own effect is still being applied gives it back afterwards.
WAIT_FOR_DISPUTE_SECONDS = 60


def _finish(adjustment: KeyAdjustment, status: str, *, error: str = "") -> None:
    now = timezone.now()
    KeyAdjustment.objects.filter(pk=adjustment.pk, status=ST.PENDING).update(
        status=status,
        error=failure_text(error, 2000),
        applied_at=now if status == ST.APPLIED else None,
        next_attempt_at=None,
        updated_at=now,
    )


def _later(adjustment: KeyAdjustment, seconds: int, error: str = "") -> JobResult:
    KeyAdjustment.objects.filter(pk=adjustment.pk).update(
        next_attempt_at=timezone.now() + timedelta(seconds=seconds),
        error=failure_text(error, 2000),
    )
    return JobResult("retry", retry_in=seconds)


def _skip(adjustment: KeyAdjustment, reason: str) -> JobResult:
    _finish(adjustment, ST.SKIPPED, error=reason)
    return JobResult("skipped")


def _reason(adjustment: KeyAdjustment) -> str:
    return f"{adjustment.get_kind_display().lower()} on order {adjustment.order.reference}"


def key_adjustment_apply(*, adjustment_id: int) -> JobResult:
    """Applies one refund, dispute or won-dispute effect to what the order delivered. Idempotent."""
    adjustment = KeyAdjustment.objects.select_related("order").filter(pk=adjustment_id).first()
    if adjustment is None or adjustment.status != ST.PENDING:
        return JobResult("skipped")
    with customer_key_lease(customer_id=adjustment.order.customer_id) as token:
        if token is None:
            return _later(adjustment, BUSY_RETRY_SECONDS)
        return _apply_leased(adjustment_id)


def _apply_leased(adjustment_id: int) -> JobResult:
    # The order first, then the adjustment: a won dispute that cancelled this effect committed
    # before any delivery read here, so a delivered order shows the cancellation too.
    order_id = KeyAdjustment.objects.values_list("order_id", flat=True).get(pk=adjustment_id)
    order = Order.objects.select_related("customer").get(pk=order_id)
    adjustment = KeyAdjustment.objects.get(pk=adjustment_id)
    adjustment.order = order
    if adjustment.status != ST.PENDING:
        return JobResult("skipped")
    if order.provisioned_at is None:
        if Order.objects.filter(pk=order.pk).filter(order_awaiting_delivery_q()).exists():
            KeyAdjustment.objects.filter(pk=adjustment.pk).update(next_attempt_at=None, error=WAITING_FOR_DELIVERY)
            return JobResult("waiting")  # provisioning releases it once the delivery exists
        return _skip(adjustment, "no key was delivered for this order")
    if not order.fulfilment_ref:
        return _skip(adjustment, "nothing was delivered to change")
    dispute = None
    if adjustment.kind == K.DISPUTE_WON:
        dispute = order.adjustments.get(kind=K.DISPUTE, reference=adjustment.reference)
        if dispute.status == ST.PENDING:
            return _later(adjustment, WAIT_FOR_DISPUTE_SECONDS, "waiting for the dispute's own effect")
        if dispute.status != ST.APPLIED:
            return _skip(adjustment, "the dispute changed nothing on the key")
    KeyAdjustment.objects.filter(pk=adjustment.pk).update(attempts=F("attempts") + 1)
    try:
        skipped = _act(adjustment, dispute)
    except RetryableError as exc:
        return _later(adjustment, backoff_seconds(adjustment.attempts + 1, retry_after=exc.retry_after), str(exc))
    except ApplicationError as exc:
        _finish(adjustment, ST.FAILED, error=str(exc))
        _alert(adjustment, str(exc))
        return JobResult("failed")
    if skipped:
        return _skip(adjustment, skipped)
    _finish(adjustment, ST.APPLIED)
    audit_log(
        action=f"order.{adjustment.kind}_applied",
        customer=order.customer,
        target=order,
        data={"order": order.reference, "policy": adjustment.action, "gb": str(adjustment.gb)},
    )
    return JobResult("applied")


def _idempotency_key(adjustment: KeyAdjustment) -> str:
    return f"sf-adj-{adjustment.public_id.hex}"


def _plan_store(adjustment: KeyAdjustment):
    """Stores the product's plan for this adjustment once (the first writer wins) and returns
    what is stored, so a retry sends exactly the same change."""

    def store(plan: dict) -> dict:
        KeyAdjustment.objects.filter(pk=adjustment.pk, plan__isnull=True).update(plan=plan)
        adjustment.refresh_from_db(fields=["plan"])
        return adjustment.plan if adjustment.plan is not None else plan

    return store


def _take_back(adjustment: KeyAdjustment) -> TakeBack:
    order = adjustment.order
    return TakeBack(
        ref=order.fulfilment_ref,
        customer_id=order.customer_id,
        order_ref=order.reference,
        quantity=adjustment.gb,
        suspend=adjustment.action == A.DISABLE,
        idempotency_key=_idempotency_key(adjustment),
        reason=_reason(adjustment),
        plan=adjustment.plan,
        plan_store=_plan_store(adjustment),
    )


def _act(adjustment: KeyAdjustment, dispute: KeyAdjustment | None) -> str:
    """One change through the order's product. Returns why nothing was changed, or "" when it was."""
    order = adjustment.order
    product = product_get(order.product_kind)
    if adjustment.action in (A.DISABLE, A.REDUCE_CAP):
        return product.take_back(_take_back(adjustment)).skipped
    if dispute is None:  # only a won dispute gives back
        return "nothing was taken to give back"
    dispute.order = order
    result = product.give_back(
        GiveBack(
            ref=order.fulfilment_ref,
            customer_id=order.customer_id,
            order_ref=order.reference,
            quantity=adjustment.gb,
            resume=adjustment.action == A.ENABLE,
            idempotency_key=_idempotency_key(adjustment),
            taken=_take_back(dispute),
            reason=_reason(adjustment),
            plan=adjustment.plan,
            plan_store=_plan_store(adjustment),
        )
    )
    return result.skipped


def _alert(adjustment: KeyAdjustment, error: str) -> None:
    order = adjustment.order
    operators_notify_on_commit(
        subject=f"Refund/dispute effect failed on order {order.reference}",
        body=f"The {adjustment.get_kind_display().lower()} of {adjustment.amount} {order.currency.upper()} on order "
        f"{order.reference} ({order.customer.email}) could not be applied to the key: {failure_text(error)}. "
        f"Policy: {adjustment.get_action_display()}. Apply it by hand in the console.",
    )


def key_adjustments_due(*, now=None) -> list[int]:
    """Pending effects to re-drive: not those waiting for their order's delivery (provisioning
    releases them; once delivered, or no longer deliverable, they are due here)."""
    now = now or timezone.now()
    return list(
        KeyAdjustment.objects.filter(status=ST.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .filter(created_at__lte=now - timedelta(seconds=60))
        .exclude(order_awaiting_delivery_q(via_adjustment=True))
        .values_list("pk", flat=True)[:200]
    )
