"""Refunds and disputes: recorded on the order once (webhook, under the order lock), then their
effect on the key (REFUND_POLICY) applied upstream once by a job (adjustments_apply.py).

Exactly once: a refund is recorded from the charge's cumulative `amount_refunded`, so only the
part not yet seen counts (a redelivered or reordered `charge.refunded` adds nothing), and each
effect is a KeyAdjustment row unique per (order, kind, reference) whose upstream write carries an
idempotency key derived from that row.

Refunds and disputes on one charge share one budget: the GB taken back for an order follow the
total money taken back (refunded plus disputed, never more than was paid), so a dispute over an
amount already refunded — or a refund after a dispute — takes nothing twice. A won dispute leaves
the budget, and what it took comes back (disputes.py).

Whatever the order of events, an effect lands on goods actually delivered: one recorded before
the delivery is taken off it when provisioning starts (`order_fold_adjustments`), or waits for
the key and is applied once the delivery completes. Only an order that can no longer be
delivered (refunded, a lost dispute) skips it."""

from dataclasses import dataclass
from decimal import Decimal
from typing import cast

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from apps.billing.models import KeyAdjustment, Order
from apps.billing.money import proportional_gb, to_minor_units
from apps.core.services import audit_log
from apps.events.services import event_record

from .jobs import APPLY_KEY_ADJUSTMENT, job_enqueue_on_commit
from .orders import S, _transition, order_lock

K = KeyAdjustment.Kind
A = KeyAdjustment.Action
ST = KeyAdjustment.Status
TAKING = (K.REFUND, K.DISPUTE)  # the kinds that take GB back
CLOSURES = (K.DISPUTE_WON, K.DISPUTE_LOST)
WAITING_FOR_DELIVERY = "waiting for the order to be delivered"
# Statuses from which an order can still reach a delivery (a late payment, an operator's retry).
_DELIVERABLE = (S.PENDING, S.EXPIRED, S.PAID, S.FAILED)


def _policy() -> str:
    return KeyAdjustment.Action.DISABLE if settings.REFUND_POLICY == "disable" else KeyAdjustment.Action.REDUCE_CAP


def refund_base(order: Order) -> Decimal:
    """The money refunds and disputes are measured against: what the order charged
    (`Order.amount_charged`). Until its payment is recorded (a refund can outrun it), or when
    nothing was charged for it, the price stands in."""
    return order.amount_charged or order.price


@dataclass(frozen=True)
class Budget:
    """An order's refunds and disputes so far (order row locked)."""

    disputed: Decimal  # money held by disputes not won
    taken_gb: Decimal  # GB taken back, less what won disputes gave back
    won: frozenset[str]
    closed: frozenset[str]
    disputes: frozenset[str]


def order_budget(order: Order) -> Budget:
    rows = list(order.adjustments.values_list("kind", "reference", "amount", "gb"))
    won = frozenset(ref for kind, ref, _, _ in rows if kind == K.DISPUTE_WON)
    closed = frozenset(ref for kind, ref, _, _ in rows if kind in CLOSURES)
    disputes = frozenset(ref for kind, ref, _, _ in rows if kind == K.DISPUTE)
    disputed = sum((amount for kind, ref, amount, _ in rows if kind == K.DISPUTE and ref not in won), Decimal("0"))
    taken = sum((gb for kind, _, _, gb in rows if kind in TAKING), Decimal("0"))
    given_back = sum((gb for kind, _, _, gb in rows if kind == K.DISPUTE_WON), Decimal("0"))
    return Budget(disputed=disputed, taken_gb=taken - given_back, won=won, closed=closed, disputes=disputes)


def gb_owed_back(order: Order, budget: Budget, *, extra_disputed: Decimal = Decimal("0")) -> Decimal:
    """The GB the money taken back so far pays for: the cumulative refund plus every dispute not
    won, capped at the amount paid, so an overlap counts once."""
    paid = refund_base(order)
    taken_back = min(order.amount_refunded + budget.disputed + extra_disputed, paid)
    return proportional_gb(gb=order.gb, part=taken_back, whole=paid)


def _add_adjustment(order: Order, *, kind: str, reference: str, amount: Decimal, source: str) -> KeyAdjustment:
    action = _policy()
    budget = order_budget(order)
    extra = amount if kind == K.DISPUTE else Decimal("0")
    gb = max(gb_owed_back(order, budget, extra_disputed=extra) - budget.taken_gb, Decimal("0.00"))
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
        job_enqueue_on_commit(APPLY_KEY_ADJUSTMENT, adjustment.pk)
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
        if fully_refunded or amount_refunded >= refund_base(order):
            # Refunded in full: an order not delivered yet never will be (nothing leaves refunded).
            _transition(order, S.REFUNDED, reason=source, data={"amount_refunded": str(amount_refunded)})
            event_record(
                type="order.refunded", customer_id=order.customer_id, resource_type="order", resource_id=order.pk
            )
        _add_adjustment(
            order,
            kind=K.REFUND,
            amount=delta,
            source=source,
            reference=f"{charge_id}:{to_minor_units(amount_refunded, order.currency)}",
        )
    return "refund_recorded"


def order_record_dispute(*, order_id: int, dispute_id: str, amount: Decimal, source: str = "") -> str:
    with transaction.atomic():
        order = order_lock(order_id=order_id)
        # Safe to read-then-act: the order row is locked.
        if order.adjustments.filter(kind=K.DISPUTE, reference=dispute_id).exists():
            return "dispute_already_recorded"
        if order.adjustments.filter(kind=K.DISPUTE_WON, reference=dispute_id).exists():
            return "dispute_already_won"  # the closure outran the opening: nothing to take back
        _transition(order, S.DISPUTED, reason=source, data={"dispute": dispute_id, "amount": str(amount)})
        _add_adjustment(order, kind=K.DISPUTE, reference=dispute_id, amount=amount, source=source)
    return "dispute_recorded"


# Delivery ---------------------------------------------------------------------------------------


def order_awaiting_delivery_q(*, via_adjustment: bool = False) -> Q:
    """Orders with nothing delivered yet that may still be delivered: a late payment, an operator's
    retry, or a dispute that may yet be won. With `via_adjustment`, a filter on KeyAdjustment."""
    prefix = "order__" if via_adjustment else ""
    closure = KeyAdjustment.objects.filter(
        order_id=OuterRef("order_id"), reference=OuterRef("reference"), kind__in=CLOSURES
    )
    open_dispute = KeyAdjustment.objects.filter(
        order_id=OuterRef("order_id" if via_adjustment else "pk"), kind=K.DISPUTE
    ).filter(~Exists(closure))
    # Q & Exists is a Q at run time; the stubs only know it as Combinable.
    awaiting = cast(
        Q,
        Q(**{f"{prefix}provisioned_at__isnull": True})
        & (Q(**{f"{prefix}status__in": _DELIVERABLE}) | (Q(**{f"{prefix}status": S.DISPUTED}) & Exists(open_dispute))),
    )
    return awaiting


def order_fold_adjustments(order: Order, *, min_quantity: Decimal) -> Decimal:
    """The GB this order's delivery carries (order row locked, provisioning about to start): its
    GB less the cap reductions recorded so far (net of what won disputes gave back), never less
    than the product's `min_quantity` (pool traffic: the smallest cap the upstream accepts). Those
    still pending are thereby applied: the delivery carries them, no change follows. Called once
    per order, before the first upstream call; the caller stores the result so every retry sends
    the same. Effects recorded later wait for the delivery and are applied after it."""
    rows = order.adjustments.values_list("kind", "action", "gb")
    taken = sum((gb for kind, action, gb in rows if kind in TAKING and action == A.REDUCE_CAP), Decimal("0"))
    given = sum((gb for kind, action, gb in rows if kind == K.DISPUTE_WON and action == A.RAISE_CAP), Decimal("0"))
    gb = max(order.gb - max(taken - given, Decimal("0")), min_quantity)
    folded = order.adjustments.filter(
        kind__in=TAKING, action=A.REDUCE_CAP, status=ST.PENDING, attempts=0, plan__isnull=True
    )
    now = timezone.now()
    for adjustment in folded:
        KeyAdjustment.objects.filter(pk=adjustment.pk, status=ST.PENDING).update(
            status=ST.APPLIED,
            error=f"taken off the delivery: the order delivers {gb.normalize():f} GB",
            next_attempt_at=None,
            applied_at=now,
            updated_at=now,
        )
        audit_log(
            action=f"order.{adjustment.kind}_applied",
            customer=order.customer,
            target=order,
            data={"order": order.reference, "policy": adjustment.action, "gb": str(adjustment.gb), "folded": True},
        )
    return gb


def order_adjustments_release(*, order_id: int) -> None:
    """The order's goods were delivered: its effects waiting for the key go to their job."""
    pending = KeyAdjustment.objects.filter(order_id=order_id, status=KeyAdjustment.Status.PENDING)
    for adjustment_id in pending.values_list("pk", flat=True):
        job_enqueue_on_commit(APPLY_KEY_ADJUSTMENT, adjustment_id)
