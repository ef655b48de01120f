"""Payment rows: one per attempt, moved along their state machine only (illegal moves raise), at
most one confirmed payment per order (a database constraint), and one decision "is the order
fully paid?" that counts the provider's own discount (a Stripe promotion code) but not a short
payment."""

from decimal import Decimal

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import TestCase

from apps.billing.models import Order, Payment, ProviderEvent
from apps.billing.providers.base import PaymentProvider
from apps.billing.providers.registry import provider_get
from apps.billing.services import (
    PAYMENT_TRANSITIONS,
    IllegalPaymentTransition,
    payment_confirm,
    payment_transition,
)
from apps.billing.services.payments import payment_lock
from apps.core.models import AuditEntry

from .factories import OrderFactory, PaymentFactory, order_payment
from .stripe_events import outcome_of, post_event
from .stripe_fakes import REAL_WEBHOOK_SECRET
from .support import upstream_keys
from .test_checkout import _real_event

pytestmark = pytest.mark.django_db

P = Payment.State
ALL = [state.value for state in P]
ALLOWED = sorted((a, b) for a, targets in PAYMENT_TRANSITIONS.items() for b in targets)
FORBIDDEN = sorted((a, b) for a in ALL for b in ALL if a != b and b not in PAYMENT_TRANSITIONS[a])


def move(payment: Payment, to: str) -> bool:
    with transaction.atomic():
        _order, locked = payment_lock(payment_id=payment.pk)
        return payment_transition(locked, to)


# The state machine -------------------------------------------------------------------------------


def test_the_state_machine_is_the_documented_one():
    assert (
        sorted(
            [
                (P.CREATED, P.PENDING),
                (P.CREATED, P.CONFIRMED),
                (P.CREATED, P.FAILED),
                (P.CREATED, P.CANCELED),
                (P.PENDING, P.CONFIRMED),
                (P.PENDING, P.FAILED),
                (P.PENDING, P.CANCELED),
                # The provider is the authority on money: a late confirmation still counts.
                (P.FAILED, P.CONFIRMED),
                (P.CANCELED, P.CONFIRMED),
            ]
        )
        == ALLOWED
    )


@pytest.mark.parametrize(("start", "to"), ALLOWED)
def test_an_allowed_move_happens_and_is_timestamped(start, to):
    payment = PaymentFactory(state=start)

    assert move(payment, to) is True

    payment.refresh_from_db()
    assert payment.state == to
    if to == P.CONFIRMED:
        assert payment.confirmed_at is not None
    if to in (P.FAILED, P.CANCELED):
        assert payment.failed_at is not None


@pytest.mark.parametrize(("start", "to"), FORBIDDEN)
def test_an_illegal_move_raises_and_changes_nothing(start, to):
    payment = PaymentFactory(state=start, confirmed=start == P.CONFIRMED)
    before = Payment.objects.filter(pk=payment.pk).values().get()

    with pytest.raises(IllegalPaymentTransition):
        move(payment, to)

    assert Payment.objects.filter(pk=payment.pk).values().get() == before


def test_a_move_to_the_current_state_is_a_no_op():
    payment = PaymentFactory(state=P.PENDING)

    assert move(payment, P.PENDING) is False


# One confirmed payment per order ---------------------------------------------------------------------


@pytest.mark.postgres
def test_the_database_refuses_a_second_confirmed_payment_for_one_order():
    order = OrderFactory()
    PaymentFactory(order=order, confirmed=True)
    PaymentFactory(order=order, state=P.FAILED)  # other attempts are fine

    with pytest.raises(IntegrityError), transaction.atomic():
        PaymentFactory(order=order, confirmed=True)

    assert order.payments.filter(state=P.CONFIRMED).count() == 1


def test_a_second_payment_for_a_paid_order_is_kept_aside_for_an_operator(client, buy):
    order = buy()
    second = PaymentFactory(order=order, provider="sandbox", reference="cs_test_second")

    with TestCase.captureOnCommitCallbacks(execute=True):
        outcome = payment_confirm(payment_id=second.pk, amount_received=Decimal("35.00"), currency="usd")

    assert outcome == "duplicate_payment"
    second.refresh_from_db()
    assert second.state == P.PENDING
    assert second.info["duplicate_of"] == str(order.payments.get(state=P.CONFIRMED).public_id)
    order.refresh_from_db()
    assert (order.status, order.amount_charged) == (Order.Status.PROVISIONED, Decimal("35.00"))
    assert len(upstream_keys()) == 1
    assert AuditEntry.objects.filter(action="payment.duplicate", target_id=str(order.pk)).exists()
    [alert] = [m for m in mail.outbox if m.to == ["ops@example.com"]]
    assert "paid twice" in alert.subject


# "Is it fully paid?" -------------------------------------------------------------------------------


def confirm(order: Order, **money) -> str:
    return payment_confirm(payment_id=PaymentFactory(order=order).pk, currency="usd", **money)


def test_a_payment_whose_discount_makes_up_the_price_pays_the_order():
    order = OrderFactory()  # $35.00

    assert confirm(order, amount_received=Decimal("30.00"), discount=Decimal("5.00")) == "paid"

    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert order.amount_charged == Decimal("30.00")  # the money received, not the price
    payment = order_payment(order)
    assert (payment.amount, payment.amount_received, payment.discount) == (
        Decimal("35.00"),
        Decimal("30.00"),
        Decimal("5.00"),
    )


def test_a_payment_short_of_the_price_even_with_its_discount_is_underpaid():
    order = OrderFactory()

    assert confirm(order, amount_received=Decimal("29.99"), discount=Decimal("5.00")) == "underpaid"

    order.refresh_from_db()
    assert order.status == Order.Status.FAILED and order.needs_attention
    assert "received 29.99 USD (and a discount of 5.00), expected 35.00 USD" in order.failure_reason


def test_a_short_payment_without_a_discount_is_underpaid():
    order = OrderFactory()

    assert confirm(order, amount_received=Decimal("34.99")) == "underpaid"

    order.refresh_from_db()
    assert order.status == Order.Status.FAILED
    assert order.amount_charged == Decimal("34.99")


def test_a_stripe_promotion_code_does_not_trip_the_underpaid_guard(client, customer, plan, stripe_api):  # noqa: F811
    client.force_login(customer)
    client.post("/billing/checkout/starter/")
    order = Order.objects.get()
    session = stripe_api.pay(order_payment(order).reference)
    # The customer entered a $5 promotion code: Stripe charged $30 of the $35 order.
    session.update(amount_total=3000, total_details={"amount_discount": 500, "amount_shipping": 0, "amount_tax": 0})

    response = post_event(client, _real_event(stripe_api, order), secret=REAL_WEBHOOK_SECRET)

    assert outcome_of(response) == "paid"
    order.refresh_from_db()
    assert order.status == Order.Status.PROVISIONED
    assert order.amount_charged == Decimal("30.00")
    payment = order_payment(order)
    assert (payment.provider, payment.discount, payment.payment_reference) == (
        "stripe",
        Decimal("5.00"),
        session["payment_intent"],
    )
    assert [key.traffic_cap_gb for key in upstream_keys()] == [Decimal("5")]


def test_a_stripe_session_short_of_the_price_without_a_discount_is_underpaid(
    client,
    customer,
    plan,
    stripe_api,  # noqa: F811
):
    client.force_login(customer)
    client.post("/billing/checkout/starter/")
    order = Order.objects.get()
    stripe_api.pay(order_payment(order).reference).update(amount_total=3000)

    response = post_event(client, _real_event(stripe_api, order), secret=REAL_WEBHOOK_SECRET)

    assert outcome_of(response) == "underpaid"
    order.refresh_from_db()
    assert order.status == Order.Status.FAILED
    assert upstream_keys() == []


# Amount charged ------------------------------------------------------------------------------------


def test_amount_charged_is_the_money_received_and_the_annotation_agrees():
    unpaid = OrderFactory()
    paid = OrderFactory()
    PaymentFactory(order=paid, state=P.FAILED)
    PaymentFactory(order=paid, confirmed=True, amount_received=Decimal("30.00"))
    elsewhere = OrderFactory()
    PaymentFactory(order=elsewhere, confirmed=True, currency_received="eur")  # not the order's money

    annotated = {o.pk: o.amount_charged for o in Order.objects.with_amount_charged()}

    assert (unpaid.amount_charged, paid.amount_charged, elsewhere.amount_charged) == (0, Decimal("30.00"), 0)
    assert annotated == {unpaid.pk: 0, paid.pk: Decimal("30.00"), elsewhere.pk: 0}


# Refunds through the provider --------------------------------------------------------------------


def test_the_sandbox_provider_refunds_and_billing_hears_of_it_like_any_refund(buy):
    order = buy()
    payment = order_payment(order)
    sandbox = provider_get("sandbox")

    with TestCase.captureOnCommitCallbacks(execute=True):
        refund_id = sandbox.refund(payment=payment, amount=Decimal("35.00"), idempotency_key="sf-test-refund")

    assert refund_id.startswith("re_sandbox_")
    order.refresh_from_db()
    assert (order.status, order.amount_refunded) == (Order.Status.REFUNDED, Decimal("35.00"))
    assert ProviderEvent.objects.filter(provider="sandbox", type="charge.refunded", outcome="refund_recorded").exists()


def test_the_stripe_provider_asks_stripe_for_the_refund_with_an_idempotency_key(stripe_api):  # noqa: F811
    payment = PaymentFactory(provider="stripe", confirmed=True, payment_reference="pi_fake_refund")

    refund_id = provider_get("stripe").refund(payment=payment, amount=Decimal("10.50"), idempotency_key="sf-refund-1")

    [call] = stripe_api.calls("POST", "/v1/refunds")
    assert refund_id.startswith("re_fake")
    assert (call.form["payment_intent"], call.form["amount"]) == ("pi_fake_refund", "1050")
    assert call.headers["idempotency-key"] == "sf-refund-1"


def test_a_provider_that_cannot_refund_says_so():
    with pytest.raises(NotImplementedError):
        PaymentProvider().refund(payment=PaymentFactory(), amount=Decimal(1), idempotency_key="k")
