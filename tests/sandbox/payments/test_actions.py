"""Operator refunds and disputes on sandbox charges: each produces the event Stripe would send,
through the in-process path, and billing acts on it exactly as on Stripe's (money: PostgreSQL)."""

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.test import TestCase

from apps.billing.models import KeyAdjustment, Order, ProviderEvent
from apps.sandbox.payments.actions import sandbox_charge_dispute, sandbox_charge_refund, sandbox_dispute_close
from apps.sandbox.payments.models import SandboxCharge, SandboxDispute
from tests.billing.stripe_events import payment_intent_of
from tests.billing.support import upstream_keys

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def cap() -> Decimal:
    [key] = upstream_keys()
    return key.traffic_cap_gb


def run(action, **kwargs):
    """An operator action, with the jobs it queues after its commit (the key adjustment) run."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return action(**kwargs)


def test_a_partial_refund_reduces_the_key_like_a_stripe_refund(paid_charge):
    order, charge = paid_charge  # 5 GB for $35

    result = run(sandbox_charge_refund, charge_id=charge.id, amount=700)

    assert (result.ok, result.deliveries) == (True, [("charge.refunded", 200)])
    order.refresh_from_db()
    assert order.amount_refunded == Decimal("7.00")
    assert order.status == Order.Status.PROVISIONED
    assert cap() == Decimal("4")
    event = ProviderEvent.objects.get(type="charge.refunded")
    assert (event.order_id, event.outcome) == (order.pk, "refund_recorded")


def test_refunding_the_rest_refunds_the_order_and_then_nothing_is_left(paid_charge):
    order, charge = paid_charge
    run(sandbox_charge_refund, charge_id=charge.id, amount=700)

    rest = run(sandbox_charge_refund, charge_id=charge.id)
    again = run(sandbox_charge_refund, charge_id=charge.id)

    assert rest.ok and not again.ok
    assert "already fully refunded" in again.message
    order.refresh_from_db()
    assert (order.status, order.amount_refunded) == (Order.Status.REFUNDED, Decimal("35.00"))
    assert ProviderEvent.objects.filter(type="charge.refunded").count() == 2


@pytest.mark.parametrize("amount", [0, -5, 3501])
def test_a_refund_outside_the_charge_is_refused_and_changes_nothing(paid_charge, amount):
    order, charge = paid_charge

    result = run(sandbox_charge_refund, charge_id=charge.id, amount=amount)

    assert result.ok is False
    charge.refresh_from_db()
    assert charge.amount_refunded == 0
    assert not ProviderEvent.objects.filter(type="charge.refunded").exists()
    assert not KeyAdjustment.objects.filter(order=order).exists()


def test_a_dispute_takes_the_gb_back_and_closing_it_sends_the_close(paid_charge):
    order, charge = paid_charge

    opened = run(sandbox_charge_dispute, charge_id=charge.id)
    dispute = SandboxDispute.objects.get(charge=charge)
    closed = run(sandbox_dispute_close, dispute_id=dispute.id, won=True)

    assert opened.deliveries == [("charge.dispute.created", 200)]
    assert closed.deliveries == [("charge.dispute.closed", 200)]
    order.refresh_from_db()
    assert order.status == Order.Status.PROVISIONED  # a won dispute gives back what it took
    dispute.refresh_from_db()
    assert dispute.status == SandboxDispute.Status.WON
    assert ProviderEvent.objects.filter(type="charge.dispute.closed").exists()


def test_a_disputed_charge_cannot_be_refunded_or_disputed_again(paid_charge):
    _order, charge = paid_charge
    run(sandbox_charge_dispute, charge_id=charge.id)

    refund = run(sandbox_charge_refund, charge_id=charge.id)
    second = run(sandbox_charge_dispute, charge_id=charge.id)

    assert not refund.ok and not second.ok
    assert SandboxDispute.objects.count() == 1
    assert not ProviderEvent.objects.filter(type="charge.refunded").exists()


def test_a_closed_dispute_cannot_be_closed_again(paid_charge):
    _order, charge = paid_charge
    run(sandbox_charge_dispute, charge_id=charge.id)
    dispute = SandboxDispute.objects.get()
    run(sandbox_dispute_close, dispute_id=dispute.id, won=False)

    again = run(sandbox_dispute_close, dispute_id=dispute.id, won=True)

    assert again.ok is False
    dispute.refresh_from_db()
    assert dispute.status == SandboxDispute.Status.LOST
    assert ProviderEvent.objects.filter(type="charge.dispute.closed").count() == 1


def test_the_admin_actions_refund_and_dispute_through_billing(operator, paid_charge):
    order, charge = paid_charge
    charges, disputes = "/admin/proxies_sandbox/sandboxcharge/", "/admin/proxies_sandbox/sandboxdispute/"
    assert operator.get(charges).status_code == 200

    with TestCase.captureOnCommitCallbacks(execute=True):
        operator.post(charges, {"action": "open_dispute", "_selected_action": [charge.pk]})
    dispute = SandboxDispute.objects.get()
    with TestCase.captureOnCommitCallbacks(execute=True):
        operator.post(disputes, {"action": "close_lost", "_selected_action": [dispute.pk]})

    order.refresh_from_db()
    assert order.status == Order.Status.DISPUTED
    dispute.refresh_from_db()
    assert dispute.status == SandboxDispute.Status.LOST
    assert operator.get(disputes).status_code == 200


def test_the_admin_refunds_a_charge_in_full(operator, paid_charge):
    order, charge = paid_charge

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = operator.post(
            "/admin/proxies_sandbox/sandboxcharge/", {"action": "refund_in_full", "_selected_action": [charge.pk]}
        )

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert cap() == Decimal("0.001")  # the smallest cap the upstream takes


def test_the_command_refunds_part_of_a_charge_found_by_its_payment_intent(paid_charge, capsys):
    order, charge = paid_charge

    with TestCase.captureOnCommitCallbacks(execute=True):
        call_command("sandbox_payments", "refund", payment_intent_of(order), "--amount", "7.00")
    call_command("sandbox_payments", "list")

    out = capsys.readouterr().out
    assert "charge.refunded: 200" in out
    assert charge.id in out
    charge.refresh_from_db()
    assert charge.amount_refunded == 700
    assert cap() == Decimal("4")


@pytest.mark.parametrize(
    "args",
    [
        ["refund", "ch_nobody"],
        ["refund", "{charge}", "--amount", "abc"],
        ["refund", "{charge}", "--amount", "99.00"],
        ["close-dispute", "dp_nobody", "--won"],
    ],
)
def test_the_command_refuses_what_stripe_would_and_changes_nothing(paid_charge, args):
    _order, charge = paid_charge

    with pytest.raises(CommandError):
        call_command("sandbox_payments", *[a.format(charge=charge.id) for a in args])

    assert SandboxCharge.objects.get().amount_refunded == 0
    assert not ProviderEvent.objects.exclude(type__startswith="checkout.").exists()
