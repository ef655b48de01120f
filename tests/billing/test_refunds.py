"""charge.refunded and charge.dispute.created: recorded on the order once, and their effect on
the key (REFUND_POLICY) applied upstream once, however often Stripe delivers them."""

from decimal import Decimal

import pytest
from django.test import TestCase

from apps.billing.models import KeyAdjustment, Order
from apps.billing.tasks import reconcile_orders
from apps.sandbox.upstream.faults import inject
from apps.sandbox.upstream.models import SandboxAuditEvent, SandboxKey

from .stripe_events import charge_refunded, completed_paid, dispute_created, outcome_of, post_event
from .support import delivered_key, reconcile_later, upstream_keys

pytestmark = pytest.mark.django_db


def cap() -> Decimal:
    [key] = upstream_keys()
    return key.traffic_cap_gb


def test_full_refund_reduces_the_cap_by_the_order_gb(client, buy, pro_plan):
    buy(for_plan=pro_plan)  # 25 GB
    order = buy()  # +5 GB -> 30 GB

    response = post_event(client, charge_refunded(order, amount_refunded=Decimal("35.00")))

    assert response.status_code == 200
    assert outcome_of(response) == "refund_recorded"
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert order.amount_refunded == Decimal("35.00")
    assert cap() == Decimal("25")
    [adjustment] = order.adjustments.all()
    assert adjustment.status == KeyAdjustment.Status.APPLIED
    assert adjustment.gb == Decimal("5.00")


def test_refund_reduces_cap_once_when_redelivered(client, buy, pro_plan):
    buy(for_plan=pro_plan)
    order = buy()
    event = charge_refunded(order, amount_refunded=Decimal("35.00"))
    post_event(client, event)

    again = post_event(client, event)
    # Stripe may also send the same refund as a different event (e.g. after a resend).
    other = post_event(client, charge_refunded(order, amount_refunded=Decimal("35.00")))

    assert outcome_of(again) == "duplicate"
    assert outcome_of(other) == "refund_already_recorded"
    assert cap() == Decimal("25")
    assert order.adjustments.count() == 1
    assert SandboxAuditEvent.objects.filter(action="update").count() == 1


def test_partial_refunds_reduce_the_cap_proportionally(client, buy, pro_plan):
    order = buy(for_plan=pro_plan)  # 25 GB for $150

    post_event(client, charge_refunded(order, amount_refunded=Decimal("30.00")))  # 1/5 -> 5 GB
    order.refresh_from_db()
    assert order.status == Order.Status.PROVISIONED
    assert cap() == Decimal("20")

    # The second refund's event carries the charge's cumulative total.
    post_event(client, charge_refunded(order, amount_refunded=Decimal("60.00")))
    assert cap() == Decimal("15")
    # An older event arriving late adds nothing.
    post_event(client, charge_refunded(order, amount_refunded=Decimal("30.00")))
    assert cap() == Decimal("15")
    order.refresh_from_db()
    assert order.amount_refunded == Decimal("60.00")
    assert order.adjustments.count() == 2


def test_refund_of_the_only_order_leaves_an_empty_key(client, buy):
    order = buy()

    post_event(client, charge_refunded(order, amount_refunded=order.price))

    # The upstream refuses a zero cap: the smallest it takes, so the key is out of traffic.
    assert cap() == Decimal("0.001")


def test_disable_policy_disables_the_key_once(client, buy, settings):
    settings.REFUND_POLICY = "disable"
    order = buy()
    event = charge_refunded(order, amount_refunded=Decimal("10.00"))

    post_event(client, event)
    post_event(client, event)

    [key] = upstream_keys()
    assert key.enabled is False
    assert key.traffic_cap_gb == Decimal("5")
    assert delivered_key(order).disabled_by_operator is True
    assert order.adjustments.get().action == KeyAdjustment.Action.DISABLE


def test_dispute_is_applied_once_when_redelivered(client, buy, pro_plan):
    buy(for_plan=pro_plan)
    order = buy()
    event = dispute_created(order)

    first = post_event(client, event)
    post_event(client, event)
    post_event(client, dispute_created(order, dispute_id=event["data"]["object"]["id"]))

    assert outcome_of(first) == "dispute_recorded"
    order.refresh_from_db()
    assert order.status == Order.Status.DISPUTED
    assert order.adjustments.count() == 1
    assert cap() == Decimal("25")


def test_dispute_found_through_the_payment_intent(client, buy):
    order = buy()
    event = dispute_created(order)
    assert "metadata" not in event["data"]["object"] or not event["data"]["object"]["metadata"]

    response = post_event(client, event)

    assert outcome_of(response) == "dispute_recorded"


def test_refund_before_provisioning_means_no_key(client, start_checkout, monkeypatch):
    order, session = start_checkout()
    monkeypatch.setattr("apps.billing.tasks.provision_order.delay", lambda *a, **k: None)
    post_event(client, completed_paid(session))
    monkeypatch.undo()
    order.refresh_from_db()

    post_event(client, charge_refunded(order, amount_refunded=order.price))
    reconcile_later()

    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert upstream_keys() == []
    assert order.adjustments.get().status == KeyAdjustment.Status.SKIPPED


def test_partial_refund_waits_for_the_key_then_applies(client, start_checkout, pro_plan):
    order, session = start_checkout(for_plan=pro_plan)
    with inject(times=1, status=500, path="/reseller/pool-keys", method="POST"):
        post_event(client, completed_paid(session))
    order.refresh_from_db()
    post_event(client, charge_refunded(order, amount_refunded=Decimal("30.00")))
    assert order.adjustments.get().status == KeyAdjustment.Status.PENDING

    reconcile_later()  # provisions the order, then applies the refund to the new key
    reconcile_later(minutes=60)

    order.refresh_from_db()
    assert order.status == Order.Status.PROVISIONED
    assert cap() == Decimal("20")
    assert order.adjustments.get().status == KeyAdjustment.Status.APPLIED


def test_refund_effect_retries_after_an_upstream_fault(client, buy):
    order = buy()
    with inject(times=1, status=503, path="/reseller/pool-keys/*", method="PATCH"):
        post_event(client, charge_refunded(order, amount_refunded=Decimal("7.00")))
    adjustment = order.adjustments.get()
    assert adjustment.status == KeyAdjustment.Status.PENDING
    assert Decimal(adjustment.plan["target_cap_gb"]) == Decimal("4.00")

    reconcile_later()

    adjustment.refresh_from_db()
    assert adjustment.status == KeyAdjustment.Status.APPLIED
    assert cap() == Decimal("4")


def test_refund_effect_with_a_lost_reply_is_not_applied_twice(client, buy):
    order = buy()
    with inject(times=1, drop="reset", phase="after", path="/reseller/pool-keys/*", method="PATCH"):
        post_event(client, charge_refunded(order, amount_refunded=Decimal("7.00")))
    assert cap() == Decimal("4")

    reconcile_later()

    assert cap() == Decimal("4")
    assert order.adjustments.get().status == KeyAdjustment.Status.APPLIED


def test_reconciler_job_reports_what_it_did(db):
    with TestCase.captureOnCommitCallbacks(execute=True):
        result = reconcile_orders.delay().get()
    assert result == {"due": 0, "given_up": 0, "adjustments": 0, "receipts": 0, "events": 0}
    assert SandboxKey.objects.count() == 0


def test_a_purchase_onto_a_key_disabled_by_the_refund_policy_adds_the_gb_and_tells_the_operator(
    client, buy, start_checkout, settings, mailoutbox
):
    settings.REFUND_POLICY = "disable"
    settings.OPERATOR_EMAILS = ["ops@example.com"]
    first = buy()
    # Started while the key still took traffic (checkout refuses a held key since), paid after.
    second, session = start_checkout()
    post_event(client, dispute_created(first))
    mailoutbox.clear()

    assert post_event(client, completed_paid(session)).status_code == 200

    second.refresh_from_db()
    assert second.status == Order.Status.PROVISIONED
    [key] = upstream_keys()
    assert key.traffic_cap_gb == Decimal("10")
    assert key.enabled is False  # a refund-policy disable is lifted by an operator, not a purchase
    [alert] = [m for m in mailoutbox if m.to == ["ops@example.com"]]
    assert "topped up a disabled key" in alert.subject
    assert second.reference in alert.body


def test_a_purchase_onto_an_enabled_key_sends_no_operator_notice(client, buy, settings, mailoutbox):
    settings.OPERATOR_EMAILS = ["ops@example.com"]
    buy()

    buy()

    assert [m for m in mailoutbox if m.to == ["ops@example.com"]] == []
