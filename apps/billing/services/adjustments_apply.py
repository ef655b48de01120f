"""Applying one KeyAdjustment to the key its order delivered: a job, run under the customer's key
lease (so no top-up races a cap change) with no database lock over the upstream call, idempotent
(each upstream write carries a key derived from the adjustment, a cap target is computed once).

An effect on an order with nothing delivered yet waits for the delivery (provisioning releases
it, the reconciler does too); it is skipped only when the order can no longer be delivered."""

import logging
from datetime import timedelta
from decimal import Decimal

from django.db.models import F, Q
from django.utils import timezone

from apps.billing.models import KeyAdjustment, Order
from apps.core.errors import ApplicationError
from apps.core.models import AuditEntry
from apps.core.services import audit_log
from apps.proxies.models import PoolKey
from apps.proxies.upstream.errors import RetryableUpstreamError, UpstreamError

from .adjustments import MIN_CAP_GB, WAITING_FOR_DELIVERY, K, order_awaiting_delivery_q
from .jobs import SEND_OPERATOR_ALERT, failure_text, job_enqueue
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
    """Applies one refund, dispute or won-dispute effect to the order's key. Idempotent."""
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
    order = Order.objects.select_related("customer", "pool_key").get(pk=order_id)
    adjustment = KeyAdjustment.objects.get(pk=adjustment_id)
    adjustment.order = order
    if adjustment.status != ST.PENDING:
        return JobResult("skipped")
    if order.provisioned_at is None:
        if Order.objects.filter(pk=order.pk).filter(order_awaiting_delivery_q()).exists():
            KeyAdjustment.objects.filter(pk=adjustment.pk).update(next_attempt_at=None, error=WAITING_FOR_DELIVERY)
            return JobResult("waiting")  # provisioning releases it once the key exists
        return _skip(adjustment, "no key was delivered for this order")
    key = order.pool_key
    if key is None or key.deleted_at is not None or key.missing_upstream:
        return _skip(adjustment, "the key no longer exists upstream")
    dispute = None
    if adjustment.kind == K.DISPUTE_WON:
        dispute = order.adjustments.get(kind=K.DISPUTE, reference=adjustment.reference)
        if dispute.status == ST.PENDING:
            return _later(adjustment, WAIT_FOR_DISPUTE_SECONDS, "waiting for the dispute's own effect")
        if dispute.status != ST.APPLIED:
            return _skip(adjustment, "the dispute changed nothing on the key")
    KeyAdjustment.objects.filter(pk=adjustment.pk).update(attempts=F("attempts") + 1)
    try:
        skipped = _act(adjustment, key, dispute)
    except RetryableUpstreamError as exc:
        return _later(adjustment, backoff_seconds(adjustment.attempts + 1, exc), str(exc))
    except (UpstreamError, ApplicationError) as exc:
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


def _act(adjustment: KeyAdjustment, key: PoolKey, dispute: KeyAdjustment | None) -> str:
    """One upstream change. Returns why nothing was changed, or "" when it was."""
    from apps.proxies.services import pool_key_set_cap, pool_key_set_enabled

    idempotency_key = f"sf-adj-{adjustment.public_id.hex}"
    reason = _reason(adjustment)
    if adjustment.action in (A.DISABLE, A.ENABLE):
        enable = adjustment.action == A.ENABLE
        held = _held_disabled(key, dispute) if enable else ""
        if held:
            return held
        pool_key_set_enabled(key=key, enabled=enable, idempotency_key=idempotency_key, reason=reason)
        return ""
    change = -adjustment.gb if adjustment.action == A.REDUCE_CAP else _gb_to_give_back(adjustment, dispute)
    if change == 0:
        return "nothing to give back: the floor kept the dispute from taking it"
    target = _target_cap(adjustment, key, change)
    if target is None:
        return "the key has no cap to change"
    pool_key_set_cap(key=key, cap_gb=target, idempotency_key=idempotency_key, reason=reason)
    return ""


def _gb_to_give_back(adjustment: KeyAdjustment, dispute: KeyAdjustment) -> Decimal:
    """The won dispute's GB, less what the cap floor kept the dispute from taking."""
    shortfall = Decimal("0")
    if dispute.cap_before_gb is not None and dispute.target_cap_gb is not None:
        moved = dispute.cap_before_gb - dispute.target_cap_gb
        shortfall = max(dispute.gb - moved, Decimal("0"))
    return max(adjustment.gb - shortfall, Decimal("0"))


def _target_cap(adjustment: KeyAdjustment, key: PoolKey, change: Decimal) -> Decimal | None:
    """The cap after this adjustment, fixed before the first call so retries send the same value."""
    from apps.proxies.services import pool_key_sync

    if adjustment.target_cap_gb is not None:
        return adjustment.target_cap_gb
    pool_key_sync(key=key)  # the cap as the upstream holds it now
    if key.cap_gb is None:
        return None
    before = Decimal(key.cap_gb)
    KeyAdjustment.objects.filter(pk=adjustment.pk, target_cap_gb__isnull=True).update(
        target_cap_gb=max(before + change, MIN_CAP_GB), cap_before_gb=before
    )
    adjustment.refresh_from_db(fields=["target_cap_gb", "cap_before_gb"])
    return adjustment.target_cap_gb


def _held_disabled(key: PoolKey, dispute: KeyAdjustment) -> str:
    """Why a key the dispute disabled must stay disabled ("" when nothing else holds it): it was
    already disabled then (an operator, a refund), or something disabled it again since."""
    disables = AuditEntry.objects.filter(
        action="pool_key.disable", target_type=PoolKey._meta.label_lower, target_id=str(key.pk)
    )
    own = disables.filter(data__idempotency_key=f"sf-adj-{dispute.public_id.hex}").order_by("id").first()
    if own is None or not own.data.get("enabled_before", True):
        return "the key was already disabled before the dispute: it stays disabled"
    if disables.filter(id__gt=own.id).exists():
        return "the key was disabled again since the dispute: it stays disabled"
    return ""


def _alert(adjustment: KeyAdjustment, error: str) -> None:
    order = adjustment.order
    job_enqueue(
        SEND_OPERATOR_ALERT,
        f"Refund/dispute effect failed on order {order.reference}",
        f"The {adjustment.get_kind_display().lower()} of {adjustment.amount} {order.currency.upper()} on order "
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
