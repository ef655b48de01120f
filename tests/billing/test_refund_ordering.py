"""Issue 19 #1: a refund lands on the goods whenever they are delivered, whatever the order of
events, exactly once. Recorded before provisioning starts, it is taken off the mint or top-up;
recorded while the order waits for a delivery (a retrying mint, a failed order an operator may
retry), it waits for the key and is applied then; an order refunded in full is never delivered."""

from decimal import Decimal

import pytest
from django.test import TestCase

from apps.billing.models import KeyAdjustment, Order
from apps.billing.services import order_retry_provisioning
from apps.core.errors import ApplicationError
from apps.sandbox.upstream.faults import inject

from .factories import order_payment
from .stripe_events import charge_refunded, completed_paid, outcome_of, post_event
from .support import MINT, cap_changes, reconcile_later, upstream_cap, upstream_keys, upstream_mints

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

S = Order.Status
ST = KeyAdjustment.Status


def refund_before_payment(order, session, amount) -> dict:
    """A charge.refunded that outruns checkout.session.completed (the session is paid, the event
    not processed yet): the order has no payment recorded, the charge names the session's
    PaymentIntent."""
    return charge_refunded(order, amount_refunded=Decimal(amount), payment_intent=session.payment_intent_id)


def operator_retry(order: Order) -> None:
    with TestCase.captureOnCommitCallbacks(execute=True):
        order_retry_provisioning(order_id=order.pk)


def test_partial_refund_before_payment_is_taken_off_the_minted_cap(client, start_checkout, pro_plan):
    order, session = start_checkout(for_plan=pro_plan)  # 25 GB for $150
    paid = completed_paid(session)
    refund = refund_before_payment(order, session, "30.00")  # 1/5 of the money: 5 GB

    assert outcome_of(post_event(client, refund)) == "refund_recorded"
    assert reconcile_later()["adjustments"] == 0  # waits for the delivery, not re-driven
    assert outcome_of(post_event(client, paid)) == "paid"
    post_event(client, paid)
    post_event(client, refund)
    reconcile_later()

    order.refresh_from_db()
    assert order.status == S.PROVISIONED
    assert upstream_cap() == Decimal("20")
    assert upstream_mints() == 1
    assert cap_changes() == 0  # the mint carried the reduced cap
    [adjustment] = order.adjustments.all()
    assert (adjustment.gb, adjustment.status) == (Decimal("5.00"), ST.APPLIED)


def test_partial_refund_before_payment_is_taken_off_the_top_up(client, buy, start_checkout, pro_plan):
    buy()  # a 5 GB key
    order, session = start_checkout(for_plan=pro_plan)
    paid = completed_paid(session)

    post_event(client, refund_before_payment(order, session, "30.00"))
    post_event(client, paid)

    order.refresh_from_db()
    assert order.status == S.PROVISIONED
    assert upstream_cap() == Decimal("25")  # 5 + (25 - 5)
    assert order.adjustments.get().status == ST.APPLIED


def test_full_refund_before_payment_delivers_nothing(client, start_checkout, pro_plan):
    order, session = start_checkout(for_plan=pro_plan)
    paid = completed_paid(session)

    post_event(client, refund_before_payment(order, session, "150.00"))
    response = post_event(client, paid)
    reconcile_later()

    assert outcome_of(response) == "already_paid"
    order.refresh_from_db()
    assert order.status == S.REFUNDED
    assert order.paid_at is not None  # the payment is on record, nothing was provisioned for it
    assert upstream_keys() == []
    assert order.adjustments.get().status == ST.SKIPPED


def test_partial_then_full_refund_before_payment_delivers_nothing(client, start_checkout, pro_plan):
    order, session = start_checkout(for_plan=pro_plan)
    paid = completed_paid(session)

    post_event(client, refund_before_payment(order, session, "30.00"))
    post_event(client, refund_before_payment(order, session, "150.00"))
    post_event(client, paid)
    reconcile_later()

    order.refresh_from_db()
    assert order.status == S.REFUNDED
    assert upstream_keys() == []
    assert sorted(a.status for a in order.adjustments.all()) == [ST.SKIPPED, ST.SKIPPED]


def test_refund_after_payment_before_provisioning_is_taken_off_the_mint(client, start_checkout, pro_plan, monkeypatch):
    order, session = start_checkout(for_plan=pro_plan)
    monkeypatch.setattr("apps.billing.tasks.provision_order.delay", lambda *a, **k: None)
    post_event(client, completed_paid(session))
    monkeypatch.undo()
    order.refresh_from_db()

    post_event(client, charge_refunded(order, amount_refunded=Decimal("30.00")))
    reconcile_later()  # provisions the order

    order.refresh_from_db()
    assert order.status == S.PROVISIONED
    assert order.provisioning_gb == Decimal("20")
    assert upstream_cap() == Decimal("20")
    assert cap_changes() == 0
    assert order.adjustments.get().status == ST.APPLIED


def test_refund_while_failed_is_applied_when_the_operator_retries(client, start_checkout, pro_plan):
    order, session = start_checkout(for_plan=pro_plan)
    with inject(times=1, status=401, **MINT):
        post_event(client, completed_paid(session))
    order.refresh_from_db()
    assert order.needs_attention

    post_event(client, charge_refunded(order, amount_refunded=Decimal("30.00")))
    reconcile_later()
    adjustment = order.adjustments.get()
    assert adjustment.status == ST.PENDING  # waiting: an operator may still deliver the order

    operator_retry(order)
    reconcile_later()

    order.refresh_from_db()
    assert order.status == S.PROVISIONED
    assert upstream_cap() == Decimal("20")
    assert upstream_mints() == 1
    adjustment.refresh_from_db()
    assert adjustment.status == ST.APPLIED
    assert cap_changes() == 1


def test_refund_of_an_unclaimed_failed_order_is_taken_off_the_operators_delivery(client, start_checkout, pro_plan):
    order, session = start_checkout(for_plan=pro_plan)
    completed_paid(session)
    # Paid $140 of $150: flagged for an operator, nothing provisioned yet.
    from apps.billing.services import payment_confirm

    payment_confirm(
        payment_id=order_payment(order).pk,
        amount_received=Decimal("140.00"),
        currency="usd",
        payment_reference=session.payment_intent_id,
    )
    post_event(client, charge_refunded(Order.objects.get(pk=order.pk), amount_refunded=Decimal("28.00")))

    operator_retry(order)

    order.refresh_from_db()
    assert order.status == S.PROVISIONED
    assert upstream_cap() == Decimal("20")  # $28 of $140 paid: 5 GB
    assert cap_changes() == 0


def test_refunded_in_full_while_failed_is_never_delivered(client, start_checkout, pro_plan):
    order, session = start_checkout(for_plan=pro_plan)
    with inject(times=1, status=401, **MINT):
        post_event(client, completed_paid(session))
    order.refresh_from_db()

    post_event(client, charge_refunded(order, amount_refunded=Decimal("30.00")))
    post_event(client, charge_refunded(order, amount_refunded=Decimal("150.00")))
    with pytest.raises(ApplicationError):
        operator_retry(order)
    reconcile_later()

    order.refresh_from_db()
    assert order.status == S.REFUNDED
    assert upstream_keys() == []
    assert {a.status for a in order.adjustments.all()} == {ST.SKIPPED}


def test_disable_policy_refund_before_payment_disables_the_new_key(client, start_checkout, settings):
    settings.REFUND_POLICY = "disable"
    order, session = start_checkout()
    paid = completed_paid(session)

    post_event(client, refund_before_payment(order, session, "10.00"))
    post_event(client, paid)

    [key] = upstream_keys()
    assert key.enabled is False
    assert key.traffic_cap_gb == Decimal("5")  # the disable policy takes the key, not GB
    assert Order.objects.get(pk=order.pk).adjustments.get().status == ST.APPLIED


def test_refund_during_a_mint_that_lost_its_reply_lands_once(client, start_checkout, pro_plan):
    order, session = start_checkout(for_plan=pro_plan)
    with inject(times=1, drop="reset", phase="after", **MINT):
        post_event(client, completed_paid(session))  # minted upstream; the reply never came
    order.refresh_from_db()

    post_event(client, charge_refunded(order, amount_refunded=Decimal("30.00")))
    reconcile_later()  # adopts the key minted with 25 GB, then applies the refund
    reconcile_later(minutes=60)

    assert upstream_mints() == 1
    assert upstream_cap() == Decimal("20")
    assert order.adjustments.get().status == ST.APPLIED
