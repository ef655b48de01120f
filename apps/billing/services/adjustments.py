"""Refunds and disputes: recorded on the order once (webhook, under the order lock), then their
effect on the key (REFUND_POLICY) applied upstream once by a job.

Exactly once: a refund is recorded from the charge's cumulative `amount_refunded`, so only the
part not yet seen counts (a redelivered or reordered `charge.refunded` adds nothing), and each
effect is a KeyAdjustment row unique per (order, kind, reference) whose upstream write carries an
idempotency key derived from that row.

Refunds and disputes on one charge share one budget: the GB taken back for an order follow the
total money taken back (refunded plus disputed, never more than was paid), so a dispute over an
amount already refunded — or a refund after a dispute — takes nothing twice."""

import logging
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from apps.billing.models import KeyAdjustment, Order
from apps.billing.money import proportional_gb, to_minor_units
from apps.core.errors import ApplicationError
from apps.core.services import audit_log
from apps.proxies.upstream.errors import RetryableUpstreamError, UpstreamError

from .jobs import failure_text, job_enqueue_on_commit
from .leases import customer_key_lease
from .orders import S, _transition, order_lock
from .results import JobResult, backoff_seconds

logger = logging.getLogger(__name__)

# The smallest cap the upstream accepts (it refuses 0). A key reduced this far carries ~1 MB and
# is suspended by the upstream at once; a later purchase tops it up and re-enables it.
MIN_CAP_GB = Decimal("0.001")
# How long an adjustment waits for its order's key to be delivered before checking again.
WAIT_FOR_KEY_SECONDS = 60


def _policy() -> str:
    return KeyAdjustment.Action.DISABLE if settings.REFUND_POLICY == "disable" else KeyAdjustment.Action.REDUCE_CAP


def _paid_amount(order: Order) -> Decimal:
    return order.amount_paid if order.amount_paid else order.price


def _gb_to_take_back(order: Order, *, kind: str, amount: Decimal) -> Decimal:
    """The GB a new refund or dispute takes back (order row locked): the share of the order's GB
    paid for by all the money taken back so far — the cumulative refund plus every dispute, capped
    at the amount paid, so an overlap counts once — minus what earlier adjustments took."""
    paid = _paid_amount(order)
    disputed = order.adjustments.filter(kind=KeyAdjustment.Kind.DISPUTE).aggregate(total=Sum("amount"))["total"]
    disputed = (disputed or Decimal("0")) + (amount if kind == KeyAdjustment.Kind.DISPUTE else Decimal("0"))
    taken_back = min(order.amount_refunded + disputed, paid)
    total_gb = proportional_gb(gb=order.gb, part=taken_back, whole=paid)
    already = order.adjustments.aggregate(total=Sum("gb"))["total"] or Decimal("0")
    return max(total_gb - already, Decimal("0.00"))


def _add_adjustment(order: Order, *, kind: str, reference: str, amount: Decimal, source: str) -> KeyAdjustment:
    from apps.billing.tasks import apply_key_adjustment

    action = _policy()
    gb = _gb_to_take_back(order, kind=kind, amount=amount)
    # Reducing the cap by 0 GB changes nothing upstream: recorded, not applied. (Disabling still
    # applies: a dispute is a new reason to hold the key even if the money was already refunded.)
    nothing_to_do = action == KeyAdjustment.Action.REDUCE_CAP and gb <= 0
    adjustment = KeyAdjustment.objects.create(
        order=order,
        kind=kind,
        action=action,
        reference=reference[:255],
        amount=amount,
        gb=gb,
        status=KeyAdjustment.Status.SKIPPED if nothing_to_do else KeyAdjustment.Status.PENDING,
        error="earlier refunds or disputes on this charge already took this traffic back" if nothing_to_do else "",
    )
    audit_log(
        action=f"order.{kind}_recorded",
        customer=order.customer,
        target=order,
        reason=source,
        data={
            "order": order.reference,
            "amount": str(amount),
            "gb": str(adjustment.gb),
            "policy": adjustment.action,
            "reference": adjustment.reference,
        },
    )
    if not nothing_to_do:
        job_enqueue_on_commit(apply_key_adjustment, adjustment.pk)
    return adjustment


def order_record_refund(
    *, order_id: int, charge_id: str, amount_refunded: Decimal, fully_refunded: bool, source: str = ""
) -> str:
    """Records a refund from the charge's cumulative refunded amount. Returns the outcome."""
    with transaction.atomic():
        order = order_lock(order_id=order_id)
        delta = amount_refunded - order.amount_refunded
        if delta <= 0:
            return "refund_already_recorded"
        order.amount_refunded = amount_refunded
        order.save(update_fields=["amount_refunded", "updated_at"])
        if fully_refunded or amount_refunded >= _paid_amount(order):
            _transition(order, S.REFUNDED, reason=source, data={"amount_refunded": str(amount_refunded)})
        _add_adjustment(
            order,
            kind=KeyAdjustment.Kind.REFUND,
            amount=delta,
            source=source,
            reference=f"{charge_id}:{to_minor_units(amount_refunded, order.currency)}",
        )
    return "refund_recorded"


def order_record_dispute(*, order_id: int, dispute_id: str, amount: Decimal, source: str = "") -> str:
    with transaction.atomic():
        order = order_lock(order_id=order_id)
        if order.adjustments.filter(kind=KeyAdjustment.Kind.DISPUTE, reference=dispute_id).exists():
            return "dispute_already_recorded"  # safe to read-then-act: the order row is locked
        _transition(order, S.DISPUTED, reason=source, data={"dispute": dispute_id, "amount": str(amount)})
        _add_adjustment(order, kind=KeyAdjustment.Kind.DISPUTE, reference=dispute_id, amount=amount, source=source)
    return "dispute_recorded"


# Applying the effect upstream -------------------------------------------------------------------


def _finish(adjustment: KeyAdjustment, status: str, *, error: str = "") -> None:
    now = timezone.now()
    KeyAdjustment.objects.filter(pk=adjustment.pk).update(
        status=status,
        error=failure_text(error, 2000),
        applied_at=now if status == KeyAdjustment.Status.APPLIED else None,
        next_attempt_at=None,
        updated_at=now,
    )


def _later(adjustment: KeyAdjustment, seconds: int, error: str = "") -> JobResult:
    KeyAdjustment.objects.filter(pk=adjustment.pk).update(
        next_attempt_at=timezone.now() + timedelta(seconds=seconds),
        error=failure_text(error, 2000),
    )
    return JobResult("retry", retry_in=seconds)


def _reason(adjustment: KeyAdjustment) -> str:
    return f"{adjustment.get_kind_display().lower()} on order {adjustment.order.reference}"


def key_adjustment_apply(*, adjustment_id: int) -> JobResult:
    """Applies one refund/dispute effect to the order's key. Idempotent; runs with the customer's
    key lease held (so no top-up races a cap change) and no database lock over the upstream call."""
    from apps.proxies.services import pool_key_set_cap, pool_key_set_enabled, pool_key_sync

    adjustment = KeyAdjustment.objects.select_related("order", "order__pool_key").filter(pk=adjustment_id).first()
    if adjustment is None or adjustment.status != KeyAdjustment.Status.PENDING:
        return JobResult("skipped")
    order = adjustment.order
    with customer_key_lease(customer_id=order.customer_id) as token:
        if token is None:
            return _later(adjustment, 15)
        order.refresh_from_db()
        key = order.pool_key
        if key is None:
            if order.status == S.PAID:  # the key is still being delivered
                return _later(adjustment, WAIT_FOR_KEY_SECONDS)
            _finish(adjustment, KeyAdjustment.Status.SKIPPED, error="no key was delivered for this order")
            return JobResult("skipped")
        if key.deleted_at is not None or key.missing_upstream:
            _finish(adjustment, KeyAdjustment.Status.SKIPPED, error="the key no longer exists upstream")
            return JobResult("skipped")
        KeyAdjustment.objects.filter(pk=adjustment.pk).update(attempts=adjustment.attempts + 1)
        idempotency_key = f"sf-adj-{adjustment.public_id.hex}"
        try:
            if adjustment.action == KeyAdjustment.Action.DISABLE:
                pool_key_set_enabled(
                    key=key, enabled=False, idempotency_key=idempotency_key, reason=_reason(adjustment)
                )
            else:
                target = _target_cap(adjustment, key, pool_key_sync)
                if target is None:
                    _finish(adjustment, KeyAdjustment.Status.SKIPPED, error="the key has no cap to reduce")
                    return JobResult("skipped")
                pool_key_set_cap(key=key, cap_gb=target, idempotency_key=idempotency_key, reason=_reason(adjustment))
        except RetryableUpstreamError as exc:
            return _later(adjustment, backoff_seconds(adjustment.attempts + 1, exc), str(exc))
        except (UpstreamError, ApplicationError) as exc:
            _finish(adjustment, KeyAdjustment.Status.FAILED, error=str(exc))
            _alert(adjustment, str(exc))
            return JobResult("failed")
    _finish(adjustment, KeyAdjustment.Status.APPLIED)
    audit_log(
        action=f"order.{adjustment.kind}_applied",
        customer=order.customer,
        target=order,
        data={"order": order.reference, "policy": adjustment.action, "gb": str(adjustment.gb)},
    )
    return JobResult("applied")


def _target_cap(adjustment: KeyAdjustment, key, pool_key_sync) -> Decimal | None:
    """The cap after this adjustment, fixed before the first call so retries send the same value."""
    if adjustment.target_cap_gb is not None:
        return adjustment.target_cap_gb
    pool_key_sync(key=key)  # the cap as the upstream holds it now
    if key.cap_gb is None:
        return None
    target = max(Decimal(key.cap_gb) - adjustment.gb, MIN_CAP_GB)
    KeyAdjustment.objects.filter(pk=adjustment.pk, target_cap_gb__isnull=True).update(target_cap_gb=target)
    adjustment.refresh_from_db(fields=["target_cap_gb"])
    return adjustment.target_cap_gb


def _alert(adjustment: KeyAdjustment, error: str) -> None:
    from apps.billing.tasks import send_operator_alert

    order = adjustment.order
    send_operator_alert.delay(
        f"Refund/dispute effect failed on order {order.reference}",
        f"The {adjustment.get_kind_display().lower()} of {adjustment.amount} {order.currency.upper()} on order "
        f"{order.reference} ({order.customer.email}) could not be applied to the key: {failure_text(error)}. "
        f"Policy: {adjustment.get_action_display()}. Apply it by hand in the console.",
    )


def key_adjustments_due(*, now=None) -> list[int]:
    now = now or timezone.now()
    return list(
        KeyAdjustment.objects.filter(status=KeyAdjustment.Status.PENDING)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .filter(created_at__lte=now - timedelta(seconds=60))
        .values_list("pk", flat=True)[:200]
    )
