"""Review regressions: a refund and a dispute on the same charge take the order's GB back once.
The GB taken back follow the total money taken back (refunded plus disputed, never more than
was paid), whichever event comes first and however often each is delivered."""

from decimal import Decimal

import pytest

from apps.billing.models import KeyAdjustment, Order
from apps.sandbox.upstream.models import SandboxAuditEvent

from .stripe_events import charge_refunded, dispute_created, outcome_of, post_event
from .support import upstream_keys

pytestmark = pytest.mark.django_db


def cap() -> Decimal:
    [key] = upstream_keys()
    return key.traffic_cap_gb


def cap_changes() -> int:
    return SandboxAuditEvent.objects.filter(action="update").count()


@pytest.fixture
def topped_up_order(buy, pro_plan):
    """A 25 GB key, then a $35 / 5 GB top-up: the order under test. The key's cap is 30 GB."""
    buy(for_plan=pro_plan)
    order = buy()
    assert cap() == Decimal("30")
    return order


def test_refund_then_dispute_reduces_the_cap_once(client, topped_up_order):
    order = topped_up_order
    refund = charge_refunded(order, amount_refunded=Decimal("35.00"))
    dispute = dispute_created(order)

    post_event(client, refund)
    response = post_event(client, dispute)
    post_event(client, refund)
    post_event(client, dispute)

    assert outcome_of(response) == "dispute_recorded"
    assert cap() == Decimal("25")
    assert cap_changes() == 1
    order.refresh_from_db()
    assert order.status == Order.Status.DISPUTED
    refund_adj = order.adjustments.get(kind=KeyAdjustment.Kind.REFUND)
    dispute_adj = order.adjustments.get(kind=KeyAdjustment.Kind.DISPUTE)
    assert (refund_adj.gb, refund_adj.status) == (Decimal("5.00"), KeyAdjustment.Status.APPLIED)
    assert (dispute_adj.gb, dispute_adj.status) == (Decimal("0.00"), KeyAdjustment.Status.SKIPPED)


def test_dispute_then_refund_reduces_the_cap_once(client, topped_up_order):
    order = topped_up_order
    dispute = dispute_created(order)
    refund = charge_refunded(order, amount_refunded=Decimal("35.00"))

    post_event(client, dispute)
    response = post_event(client, refund)
    post_event(client, dispute)
    post_event(client, refund)

    assert outcome_of(response) == "refund_recorded"
    assert cap() == Decimal("25")
    assert cap_changes() == 1
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert sorted(a.gb for a in order.adjustments.all()) == [Decimal("0.00"), Decimal("5.00")]


def test_partial_refund_then_dispute_takes_back_only_the_rest(client, topped_up_order):
    order = topped_up_order

    post_event(client, charge_refunded(order, amount_refunded=Decimal("7.00")))  # 1 GB
    assert cap() == Decimal("29")
    post_event(client, dispute_created(order, amount=Decimal("35.00")))  # overlaps the $7 refund

    assert cap() == Decimal("25")  # 5 GB in all, never more than the order's GB
    assert sum(a.gb for a in order.adjustments.all()) == Decimal("5.00")
    assert cap_changes() == 2
