"""Review regressions: a session Stripe reports as paid for less than the order's price (or in
another currency) never provisions; the order is flagged for an operator instead."""

from decimal import Decimal

import pytest
from django.core import mail

from apps.billing.models import Order
from apps.proxies.models import PoolKey
from apps.sandbox.payments.models import SandboxCheckoutSession

from .factories import order_payment
from .stripe_events import completed_paid, outcome_of, post_event, session_event
from .support import reconcile_later, upstream_keys, upstream_mints

pytestmark = pytest.mark.django_db


def _stripe_session_says(session: SandboxCheckoutSession, **fields) -> None:
    """What a re-read of the session will return (the event is only a trigger)."""
    SandboxCheckoutSession.objects.filter(pk=session.pk).update(**fields)
    session.refresh_from_db()


def _operator_mails() -> list:
    return [m for m in mail.outbox if "ops@example.com" in m.to]


def test_underpaid_session_flags_the_order_for_an_operator_and_mints_nothing(client, start_checkout, customer):
    order, session = start_checkout()  # $35.00
    _stripe_session_says(session, amount_total=1000)

    response = post_event(client, completed_paid(session))

    assert response.status_code == 200
    assert outcome_of(response) == "underpaid"
    order.refresh_from_db()
    assert order.status == Order.Status.FAILED
    assert order.needs_attention
    assert order.failure_reason.startswith("paid amount differs from the order")
    assert "10.00 USD" in order.failure_reason and "35.00 USD" in order.failure_reason
    assert order.amount_charged == Decimal("10.00")
    payment = order_payment(order)
    assert (payment.state, payment.amount_received, payment.discount) == ("confirmed", Decimal("10.00"), 0)
    assert upstream_mints() == 0
    assert PoolKey.objects.count() == 0
    [alert] = _operator_mails()
    assert order.reference in alert.subject
    assert "paid amount differs from the order" in alert.body
    assert "Stripe took less than the order's price" in alert.body
    assert not [m for m in mail.outbox if m.to == [customer.email]]  # no receipt, no "ready"


def test_payment_in_another_currency_is_flagged_not_provisioned(client, start_checkout):
    order, session = start_checkout()
    _stripe_session_says(session, currency="eur")

    response = post_event(client, completed_paid(session))

    assert outcome_of(response) == "underpaid"
    order.refresh_from_db()
    assert order.status == Order.Status.FAILED
    assert order.amount_charged == 0  # an amount in another currency is not the order's money
    payment = order_payment(order)
    assert (payment.amount_received, payment.currency_received) == (Decimal("35.00"), "eur")  # but it is kept
    assert "35.00 EUR" in order.failure_reason
    assert upstream_keys() == []


def test_underpaid_order_stays_unprovisioned_through_redeliveries_and_the_reconciler(client, start_checkout):
    order, session = start_checkout()
    _stripe_session_says(session, amount_total=3499)
    event = completed_paid(session)
    post_event(client, event)

    again = post_event(client, event)
    other = post_event(client, session_event(session, "checkout.session.async_payment_succeeded"))
    reconcile_later()

    assert outcome_of(again) == "duplicate"
    assert outcome_of(other) == "no_change"
    order.refresh_from_db()
    assert order.status == Order.Status.FAILED
    assert upstream_mints() == 0
    assert len(_operator_mails()) == 1


def test_underpaid_payment_after_the_checkout_expired_is_flagged_too(client, start_checkout):
    order, session = start_checkout()
    post_event(client, session_event(session, "checkout.session.expired", status="expired"))
    _stripe_session_says(session, amount_total=500)

    response = post_event(client, completed_paid(session))

    assert response.status_code == 200
    assert outcome_of(response) == "underpaid"
    order.refresh_from_db()
    assert order.status == Order.Status.FAILED
    assert order.needs_attention
    assert upstream_mints() == 0


def test_full_payment_still_provisions(client, start_checkout):
    order, session = start_checkout()

    response = post_event(client, completed_paid(session))

    assert outcome_of(response) == "paid"
    order.refresh_from_db()
    assert order.status == Order.Status.PROVISIONED
    assert order.failure_reason == ""
    assert _operator_mails() == []
