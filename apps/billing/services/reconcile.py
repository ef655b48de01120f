"""The reconciler (beat, or `manage.py billing_reconcile`): finds the billing work a lost job, a
crash or a broker outage left undone, and hands it back to the jobs. Reads and flags only; the
tasks do the work."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from apps.billing.models import Order, ProviderEvent

from .adjustments_apply import key_adjustments_due
from .events import AWAITING_SETTLEMENT, TERMINAL_FAILURES
from .leases import customer_key_lease_held
from .orders import S, order_mark_failed, provisioning_window

BATCH = 200


@dataclass(frozen=True)
class ReconcileReport:
    due: list[int]
    given_up: list[int]
    adjustments: list[int]
    receipts: list[int] = field(default_factory=list)
    events: list[int] = field(default_factory=list)


def _receipts_due(now) -> list[int]:
    """Paid orders whose receipt was never sent (its job could not be enqueued, or mail kept
    failing), within the provisioning window. The email's own sent mark keeps it once-only."""
    settle = now - timedelta(seconds=settings.BILLING_RECONCILE_AFTER_SECONDS)
    return list(
        Order.objects.filter(status__in=[S.PAID, S.PROVISIONED], receipt_sent_at__isnull=True)
        .filter(paid_at__lte=settle, paid_at__gt=now - provisioning_window())
        .order_by("paid_at")
        .values_list("pk", flat=True)[:BATCH]
    )


def _unsettled_events(now) -> list[int]:
    """Stored deliveries not processed yet: async successes whose payment did not read paid (while
    their order still waits for the money), and any other whose job was lost (a crash between
    storing and processing, a broker outage) or failed for a reason a retry can mend. Processing
    is once-only under the event's row lock, so handing one back twice is harmless."""
    settle = now - timedelta(seconds=settings.BILLING_RECONCILE_AFTER_SECONDS)
    awaiting = Q(outcome=AWAITING_SETTLEMENT, order__status__in=[S.PENDING, S.EXPIRED])
    stranded = Q(received_at__lte=settle) & ~Q(outcome__in=[AWAITING_SETTLEMENT, *TERMINAL_FAILURES])
    return list(
        ProviderEvent.objects.filter(processed_at__isnull=True, received_at__gt=now - provisioning_window())
        .filter(awaiting | stranded)
        .order_by("received_at")
        .values_list("pk", flat=True)[:BATCH]
    )


def orders_reconcile(*, now=None) -> ReconcileReport:
    """Paid orders not provisioned after a few minutes (a lost job, a crash right after the
    payment was recorded, an upstream outage) are re-driven until their deadline; past it they
    are flagged for an operator. Pending refund effects, unsent receipts and async payments
    waiting for the provider to settle are re-driven too."""
    now = now or timezone.now()
    paid = Order.objects.filter(status=S.PAID)
    due = list(
        paid.filter(paid_at__lte=now - timedelta(seconds=settings.BILLING_RECONCILE_AFTER_SECONDS))
        .filter(Q(provisioning_deadline__isnull=True) | Q(provisioning_deadline__gt=now))
        .filter(Q(provisioning_next_attempt_at__isnull=True) | Q(provisioning_next_attempt_at__lte=now))
        .order_by("paid_at")
        .values_list("pk", flat=True)[:BATCH]
    )
    given_up = []
    for order in paid.filter(provisioning_deadline__lte=now).select_related("customer")[:BATCH]:
        if customer_key_lease_held(customer_id=order.customer_id):
            continue  # an attempt is running right now; judge it next time
        reason = "not provisioned within the window"
        if order.provisioning_error:
            reason += f"; last error: {order.provisioning_error}"
        if order_mark_failed(order_id=order.pk, reason=reason):
            given_up.append(order.pk)
    return ReconcileReport(
        due=due,
        given_up=given_up,
        adjustments=key_adjustments_due(now=now),
        receipts=_receipts_due(now),
        events=_unsettled_events(now),
    )
