"""Issue 19 #13: `charge.dispute.closed`. Won (or an inquiry closed without a chargeback): what the
dispute took comes back once — the cap it cut, or the key it disabled if nothing else holds it —
and the order leaves `disputed`. Lost: nothing changes on the key; the closure is recorded."""

from decimal import Decimal

import pytest
from django.test import TestCase

from apps.billing.models import ORDER_METADATA_KEY, KeyAdjustment, Order
from apps.billing.services import order_retry_provisioning
from apps.core.models import AuditEntry

from .stripe_events import charge_refunded, completed_paid, dispute_closed, dispute_created, outcome_of, post_event
from .support import cap_changes, delivered_key, reconcile_later, upstream_cap, upstream_keys, upstream_mints

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

S = Order.Status
K = KeyAdjustment.Kind
ST = KeyAdjustment.Status


def dispute_before_payment(order: Order, session) -> dict:
    """A dispute that outruns checkout.session.completed. The order has no payment recorded to
    find it by; Stripe would name it in the PaymentIntent's metadata, the sandbox keeps none."""
    opened = dispute_created(order, payment_intent=session.payment_intent_id)
    opened["data"]["object"]["metadata"] = {ORDER_METADATA_KEY: str(order.public_id)}
    return opened


def closure(order: Order) -> KeyAdjustment:
    return order.adjustments.get(kind__in=[K.DISPUTE_WON, K.DISPUTE_LOST])


@pytest.mark.parametrize("status", ["won", "warning_closed"])
def test_won_dispute_gives_the_cap_back_once(client, buy, pro_plan, status):
    order = buy(for_plan=pro_plan)  # 25 GB
    opened = dispute_created(order)
    post_event(client, opened)
    assert upstream_cap() == Decimal("0.001")
    closed = dispute_closed(opened, status=status)

    response = post_event(client, closed)
    post_event(client, closed)
    again = post_event(client, dispute_closed(opened, status=status))  # another event, same dispute
    post_event(client, opened)
    reconcile_later()

    assert outcome_of(response) == "dispute_won"
    assert outcome_of(again) == "dispute_already_closed"
    assert upstream_cap() == Decimal("25")
    assert cap_changes() == 2  # taken once, given back once
    order.refresh_from_db()
    assert order.status == S.PROVISIONED
    restore = closure(order)
    assert (restore.kind, restore.action, restore.status) == (K.DISPUTE_WON, KeyAdjustment.Action.RAISE_CAP, ST.APPLIED)
    assert AuditEntry.objects.filter(action="order.dispute_won", target_id=str(order.pk)).count() == 1


def test_won_dispute_on_a_top_up_gives_back_only_its_gb(client, buy, pro_plan):
    buy(for_plan=pro_plan)
    order = buy()  # +5 GB: 30
    opened = dispute_created(order)
    post_event(client, opened)
    assert upstream_cap() == Decimal("25")

    post_event(client, dispute_closed(opened, status="won"))

    assert upstream_cap() == Decimal("30")


def test_lost_dispute_changes_nothing_but_is_recorded(client, buy, pro_plan):
    buy(for_plan=pro_plan)
    order = buy()
    opened = dispute_created(order)
    post_event(client, opened)

    response = post_event(client, dispute_closed(opened, status="lost"))
    reconcile_later()

    assert outcome_of(response) == "dispute_lost"
    assert upstream_cap() == Decimal("25")
    assert cap_changes() == 1
    order.refresh_from_db()
    assert order.status == S.DISPUTED
    assert (closure(order).kind, closure(order).status) == (K.DISPUTE_LOST, ST.SKIPPED)
    assert AuditEntry.objects.filter(action="order.dispute_lost", target_id=str(order.pk)).exists()


def test_dispute_not_closed_yet_changes_nothing(client, buy):
    order = buy()
    opened = dispute_created(order)
    post_event(client, opened)

    response = post_event(client, dispute_closed(opened, status="under_review"))

    assert outcome_of(response) == "dispute_not_closed"
    assert not order.adjustments.filter(kind__in=[K.DISPUTE_WON, K.DISPUTE_LOST]).exists()


def test_won_dispute_keeps_what_a_refund_since_took(client, buy, pro_plan):
    order = buy(for_plan=pro_plan)  # 25 GB for $150
    opened = dispute_created(order)
    post_event(client, opened)  # takes all 25 GB
    post_event(client, charge_refunded(order, amount_refunded=Decimal("30.00")))  # inside the dispute: 0 GB

    post_event(client, dispute_closed(opened, status="won"))

    assert upstream_cap() == Decimal("20")  # the $30 refund still takes its 5 GB
    order.refresh_from_db()
    assert order.status == S.PROVISIONED
    assert closure(order).gb == Decimal("20.00")


def test_won_dispute_on_an_order_refunded_in_full_gives_nothing_back(client, buy, pro_plan):
    buy(for_plan=pro_plan)
    order = buy()
    opened = dispute_created(order)
    post_event(client, opened)
    post_event(client, charge_refunded(order, amount_refunded=Decimal("35.00")))

    post_event(client, dispute_closed(opened, status="won"))

    assert upstream_cap() == Decimal("25")
    order.refresh_from_db()
    assert order.status == S.REFUNDED
    assert closure(order).status == ST.SKIPPED


def test_won_dispute_re_enables_the_key_it_disabled(client, buy, settings):
    settings.REFUND_POLICY = "disable"
    order = buy()
    opened = dispute_created(order)
    post_event(client, opened)
    assert upstream_keys()[0].enabled is False

    post_event(client, dispute_closed(opened, status="won"))
    post_event(client, dispute_closed(opened, status="won"))

    [key] = upstream_keys()
    assert key.enabled is True
    assert delivered_key(order).disabled_by_operator is False
    assert closure(order).action == KeyAdjustment.Action.ENABLE
    assert cap_changes() == 2


def test_won_dispute_leaves_a_key_a_refund_keeps_disabled(client, buy, settings):
    settings.REFUND_POLICY = "disable"
    order = buy()
    post_event(client, charge_refunded(order, amount_refunded=Decimal("5.00")))
    opened = dispute_created(order, amount=Decimal("30.00"))
    post_event(client, opened)

    post_event(client, dispute_closed(opened, status="won"))

    assert upstream_keys()[0].enabled is False
    assert closure(order).status == ST.SKIPPED


def test_won_dispute_leaves_a_key_disabled_again_since(client, buy, settings):
    from apps.proxies.services import pool_key_set_enabled

    settings.REFUND_POLICY = "disable"
    order = buy()
    opened = dispute_created(order)
    post_event(client, opened)
    order.refresh_from_db()
    pool_key_set_enabled(key=delivered_key(order), enabled=True, idempotency_key="op-enable-1", reason="operator")
    pool_key_set_enabled(key=delivered_key(order), enabled=False, idempotency_key="op-disable-1", reason="operator")

    post_event(client, dispute_closed(opened, status="won"))

    assert upstream_keys()[0].enabled is False
    assert "disabled again" in closure(order).error


def test_closure_before_the_opening_takes_nothing(client, buy, pro_plan):
    order = buy(for_plan=pro_plan)
    opened = dispute_created(order)

    post_event(client, dispute_closed(opened, status="won"))
    response = post_event(client, opened)

    assert outcome_of(response) == "dispute_already_closed"  # the re-read says won
    assert upstream_cap() == Decimal("25")
    order.refresh_from_db()
    assert order.status == S.PROVISIONED


def test_dispute_before_payment_then_won_goes_to_an_operator_who_delivers(client, start_checkout, pro_plan):
    order, session = start_checkout(for_plan=pro_plan)
    paid = completed_paid(session)
    opened = dispute_before_payment(order, session)
    post_event(client, opened)
    post_event(client, paid)
    post_event(
        client, charge_refunded(order, amount_refunded=Decimal("30.00"), payment_intent=session.payment_intent_id)
    )
    reconcile_later()
    assert upstream_keys() == []

    post_event(client, dispute_closed(opened, status="won"))
    order.refresh_from_db()
    assert order.needs_attention
    with TestCase.captureOnCommitCallbacks(execute=True):
        order_retry_provisioning(order_id=order.pk)
    reconcile_later()

    order.refresh_from_db()
    assert order.status == S.PROVISIONED
    assert upstream_mints() == 1
    assert upstream_cap() == Decimal("20")  # the refund is taken off; the won dispute is not
    assert order.adjustments.get(kind=K.DISPUTE).status == ST.SKIPPED


def test_dispute_before_payment_then_lost_delivers_nothing(client, start_checkout):
    order, session = start_checkout()
    paid = completed_paid(session)
    opened = dispute_before_payment(order, session)
    post_event(client, opened)
    post_event(client, paid)

    post_event(client, dispute_closed(opened, status="lost"))
    reconcile_later()

    order.refresh_from_db()
    assert order.status == S.DISPUTED
    assert upstream_keys() == []
    assert order.adjustments.get(kind=K.DISPUTE).status == ST.SKIPPED
