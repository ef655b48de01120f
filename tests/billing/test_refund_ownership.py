"""Issue 19 #9: a refund or dispute counts only against the payment it is about. A signed event
whose metadata names one order but whose (re-read) charge or dispute is another order's payment
is refused with 400, and neither order changes."""

from decimal import Decimal

import pytest
from django.utils import timezone

from apps.billing.models import KeyAdjustment, Order
from apps.sandbox.payments.models import SandboxCharge
from tests.factories import UserFactory

from .factories import OrderFactory, PaymentFactory
from .stripe_events import charge_refunded, dispute_closed, dispute_created, outcome_of, payment_intent_of, post_event
from .support import cap_changes, upstream_keys

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def snapshot(*orders: Order) -> list[tuple]:
    rows = Order.objects.filter(pk__in=[o.pk for o in orders]).order_by("pk")
    return [(o.status, o.amount_refunded, o.refunded_at, o.disputed_at, o.updated_at) for o in rows]


@pytest.fixture
def two_orders(buy):
    """Order X (the event names it) and order Y (whose payment the charge really is)."""
    x = buy()
    y = buy(user=UserFactory())
    return x, y


def caps() -> list[Decimal]:
    return [key.traffic_cap_gb for key in upstream_keys()]


@pytest.mark.parametrize(
    "make_event",
    [
        pytest.param(
            lambda x, y: charge_refunded(x, amount_refunded=x.price, payment_intent=payment_intent_of(y)),
            id="refund",
        ),
        pytest.param(lambda x, y: dispute_created(x, payment_intent=payment_intent_of(y)), id="dispute"),
        pytest.param(
            lambda x, y: dispute_closed(dispute_created(x, payment_intent=payment_intent_of(y)), status="won"),
            id="dispute_closed",
        ),
    ],
)
def test_event_naming_one_order_with_another_orders_payment_is_refused(client, two_orders, make_event):
    x, y = two_orders
    event = make_event(x, y)
    event["data"]["object"]["metadata"] = {"storefront_order": str(x.public_id)}
    before, caps_before = snapshot(x, y), caps()

    response = post_event(client, event)

    assert response.status_code == 200  # acknowledged; its job did the processing
    assert outcome_of(response) == "rejected"
    assert snapshot(x, y) == before
    assert caps() == caps_before
    assert cap_changes() == 0
    assert not KeyAdjustment.objects.exists()


def test_refund_naming_an_unpaid_order_with_another_orders_payment_is_refused(client, buy, start_checkout):
    y = buy(user=UserFactory())
    x, _ = start_checkout()  # not paid: no payment of its own to compare with
    event = charge_refunded(x, amount_refunded=Decimal("10.00"), payment_intent=payment_intent_of(y))

    response = post_event(client, event)

    assert response.status_code == 200  # acknowledged; its job did the processing
    assert outcome_of(response) == "rejected"
    x.refresh_from_db()
    assert (x.status, x.amount_refunded) == (Order.Status.PENDING, Decimal("0.00"))
    assert not KeyAdjustment.objects.exists()


def test_refund_without_a_payment_intent_is_refused(client, buy):
    order = buy()
    event = charge_refunded(order, amount_refunded=Decimal("10.00"))
    event["data"]["object"]["payment_intent"] = None
    # The re-read decides: the charge as the payment side holds it names no payment either.
    SandboxCharge.objects.filter(pk=event["data"]["object"]["id"]).update(payment_intent_id="")

    response = post_event(client, event)

    assert response.status_code == 200  # acknowledged; its job did the processing
    assert outcome_of(response) == "rejected"
    order.refresh_from_db()
    assert order.amount_refunded == Decimal("0.00")


# Real Stripe (a local fake API behind STRIPE_API_BASE): the re-read charge decides ---------------


def paid_order(payment_intent: str) -> Order:
    order = OrderFactory()
    PaymentFactory(order=order, provider="stripe", confirmed=True, payment_reference=payment_intent)
    Order.objects.filter(pk=order.pk).update(status=Order.Status.PAID, paid_at=timezone.now())
    order.refresh_from_db()
    return order


def refund_event(*, charge_id: str, claimed_order: Order, claimed_payment_intent: str) -> dict:
    event = charge_refunded(claimed_order, amount_refunded=Decimal("35.00"), charge_id=charge_id)
    event["data"]["object"]["payment_intent"] = claimed_payment_intent
    return event


def test_refund_is_checked_against_the_reread_charge_not_the_event(client, stripe_api):
    x, y = paid_order("pi_fake_x"), paid_order("pi_fake_y")
    for charge_id, payment_intent in (("ch_fake_x", "pi_fake_x"), ("ch_fake_y", "pi_fake_y")):
        stripe_api.charges[charge_id] = {
            "id": charge_id,
            "object": "charge",
            "amount": 3500,
            "amount_refunded": 3500,
            "refunded": True,
            "currency": "usd",
            "payment_intent": payment_intent,
            "metadata": {},
        }
    before = snapshot(x, y)

    # The event claims X's payment, but the charge Stripe holds is Y's.
    forged = post_event(
        client, refund_event(charge_id="ch_fake_y", claimed_order=x, claimed_payment_intent="pi_fake_x")
    )

    assert forged.status_code == 200  # acknowledged; its job did the processing
    assert outcome_of(forged) == "rejected"
    assert snapshot(x, y) == before
    assert not KeyAdjustment.objects.exists()

    genuine = post_event(
        client, refund_event(charge_id="ch_fake_x", claimed_order=x, claimed_payment_intent="pi_fake_x")
    )

    assert outcome_of(genuine) == "refund_recorded"
    x.refresh_from_db()
    assert (x.status, x.amount_refunded) == (Order.Status.REFUNDED, Decimal("35.00"))
