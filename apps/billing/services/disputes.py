"""A dispute's closure (`charge.dispute.closed`), recorded once per dispute id as a KeyAdjustment of
its own (the unique constraint decides). Won (or an inquiry closed without a chargeback): the
money stays with the shop, so what the dispute took from the key comes back — the cap it cut,
or the key it disabled when nothing else holds it disabled — and the order leaves `disputed`.
Lost: nothing changes on the key; the closure is recorded and the order stays disputed."""

from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from apps.billing.models import KeyAdjustment, Order
from apps.billing.providers.base import DISPUTE_LOST, DISPUTE_WON
from apps.core.services import audit_log

from .adjustments import (
    CLOSURES,
    K,
    gb_owed_back,
    order_adjustments_release,
    order_budget,
    refund_base,
)
from .jobs import APPLY_KEY_ADJUSTMENT, SEND_ORDER_EMAIL, failure_text, job_enqueue_on_commit
from .orders import S, _transition, order_lock

WON = DISPUTE_WON
LOST = DISPUTE_LOST
A = KeyAdjustment.Action
ST = KeyAdjustment.Status
WON_BEFORE_DELIVERY = "a dispute was won before the order was delivered: check it, then retry provisioning"


def order_record_dispute_closed(
    *, order_id: int, dispute_id: str, status: str, amount: Decimal, source: str = ""
) -> str:
    """Records a closed dispute as the re-read dispute says. Returns the outcome."""
    if status not in WON | LOST:
        return "dispute_not_closed"
    won = status in WON
    with transaction.atomic():
        order = order_lock(order_id=order_id)
        # Safe to read-then-act: the order row is locked.
        if order.adjustments.filter(kind__in=CLOSURES, reference=dispute_id).exists():
            return "dispute_already_closed"
        dispute = order.adjustments.filter(kind=K.DISPUTE, reference=dispute_id).first()
        budget = order_budget(order)
        others_open = budget.disputes - budget.closed - {dispute_id}
        closure = _record_won(order, dispute, dispute_id, amount) if won else _record_lost(order, dispute_id, amount)
        audit_log(
            action=f"order.dispute_{'won' if won else 'lost'}",
            customer=order.customer,
            target=order,
            reason=source,
            data={
                "order": order.reference,
                "dispute": dispute_id,
                "status": status,
                "amount": str(amount),
                "gb_back": str(closure.gb),
            },
        )
        if order.status == S.DISPUTED and not others_open and won:
            _leave_disputed(order, dispute_id=dispute_id, source=source)
        if not won:
            # A lost dispute may leave the order undeliverable: its waiting effects get decided.
            order_adjustments_release(order_id=order.pk)
    return "dispute_won" if won else "dispute_lost"


def _record_lost(order: Order, dispute_id: str, amount: Decimal) -> KeyAdjustment:
    return KeyAdjustment.objects.create(
        order=order,
        kind=K.DISPUTE_LOST,
        action=A.NONE,
        reference=dispute_id[:255],
        amount=amount,
        gb=Decimal("0.00"),
        status=ST.SKIPPED,
        error="the dispute was lost: what it took stays taken",
    )


def _record_won(order: Order, dispute: KeyAdjustment | None, dispute_id: str, amount: Decimal) -> KeyAdjustment:
    fields = {"order": order, "kind": K.DISPUTE_WON, "reference": dispute_id[:255], "amount": amount}
    if dispute is None:  # the closure outran the opening: the opening will be ignored
        return KeyAdjustment.objects.create(
            **fields, action=A.NONE, gb=Decimal("0.00"), status=ST.SKIPPED, error="no dispute was recorded"
        )
    budget = order_budget(order)
    # What the refunds and the other disputes still take once this dispute is out of the budget.
    still_owed = gb_owed_back(order, budget, extra_disputed=-dispute.amount)
    gb = min(max(budget.taken_gb - still_owed, Decimal("0.00")), dispute.gb)
    action = A.ENABLE if dispute.action == A.DISABLE else A.RAISE_CAP
    skip = ""
    if dispute.status == ST.PENDING and order.provisioned_at is None:
        # Nothing delivered, so nothing taken yet (and no job can be applying it: it would have to
        # see the delivery first, which commits after this). It will never be applied now.
        KeyAdjustment.objects.filter(pk=dispute.pk, status=ST.PENDING).update(
            status=ST.SKIPPED,
            error="the dispute was won before the order was delivered",
            next_attempt_at=None,
            updated_at=timezone.now(),
        )
        skip = "the dispute was won before it took anything"
    elif dispute.status in (ST.SKIPPED, ST.FAILED):
        skip = f"the dispute's own effect was not applied ({dispute.get_status_display().lower()})"
    elif action == A.RAISE_CAP and gb <= 0:
        skip = "refunds since the dispute take this traffic back anyway"
    restore = KeyAdjustment.objects.create(
        **fields, action=action, gb=gb, status=ST.SKIPPED if skip else ST.PENDING, error=skip
    )
    if not skip:
        job_enqueue_on_commit(APPLY_KEY_ADJUSTMENT, restore.pk)
    return restore


def _leave_disputed(order: Order, *, dispute_id: str, source: str) -> None:
    """The order goes back to where the money says it is: refunded in full, delivered, or paid
    but not delivered (an operator decides: retry provisioning, or refund)."""
    data = {"dispute": dispute_id}
    if order.refunded_at is not None or order.amount_refunded >= refund_base(order):  # never delivers
        _transition(order, S.REFUNDED, reason=f"dispute won ({source})", data=data)
    elif order.provisioned_at is not None and order.fulfilment_ref:
        _transition(order, S.PROVISIONED, reason=f"dispute won ({source})", data=data)
    else:
        order.paid_at = order.paid_at or timezone.now()  # the disputed charge was a payment
        order.failure_reason = failure_text(WON_BEFORE_DELIVERY)
        order.operator_alerted_at = None
        _transition(order, S.FAILED, reason=f"dispute won ({source})", data=data)
        job_enqueue_on_commit(SEND_ORDER_EMAIL, order.pk, "operator_alert")
