"""checkout.session.* deliveries: a paid checkout provisions exactly one key with the plan's
cap; unpaid, failed and expired checkouts provision nothing; redeliveries change nothing."""

from decimal import Decimal

import pytest
from django.core import mail

from apps.billing.models import Order, Payment, ProviderEvent
from apps.core.models import AuditEntry
from apps.proxies.models import PoolKey

from .factories import order_payment
from .stripe_events import completed_paid, outcome_of, post_event, session_event
from .support import delivered_key, delivery_action, upstream_keys, upstream_mints

pytestmark = pytest.mark.django_db


def test_paid_checkout_provisions_one_key_with_the_plan_cap(client, start_checkout, customer):
    order, session = start_checkout()

    response = post_event(client, completed_paid(session))

    assert response.status_code == 200
    assert outcome_of(response) == "paid"
    order.refresh_from_db()
    assert order.status == Order.Status.PROVISIONED
    assert order.amount_charged == Decimal("35.00")
    payment = order_payment(order)
    assert (payment.state, payment.amount_received, payment.payment_reference, payment.provider_status) == (
        Payment.State.CONFIRMED,
        Decimal("35.00"),
        session.payment_intent_id,
        "paid",
    )
    assert ProviderEvent.objects.get().payment == payment
    assert delivery_action(order) == "mint"
    [key] = upstream_keys()
    assert key.traffic_cap_gb == Decimal("5")
    assert key.label == f"sf-u{customer.pk}-{order.reference}"
    assert delivered_key(order).upstream_id == key.public_id
    assert delivered_key(order).customer == customer
    # Expires the plan's validity after the purchase.
    assert abs((key.expires_at - order.paid_at).days - 30) <= 1


def test_every_delivery_is_stored_with_its_outcome(client, start_checkout):
    order, session = start_checkout()
    event = completed_paid(session)

    post_event(client, event)

    stored = ProviderEvent.objects.get(event_id=event["id"])
    assert stored.type == "checkout.session.completed"
    assert stored.payload == event
    assert stored.order == order
    assert stored.processed_at is not None
    assert stored.outcome == "paid"
    assert stored.attempts == 1
    assert stored.error == ""


def test_redelivered_event_changes_nothing(client, start_checkout):
    order, session = start_checkout()
    event = completed_paid(session)
    post_event(client, event)
    audit_before = AuditEntry.objects.count()

    response = post_event(client, event)

    assert response.status_code == 200
    assert outcome_of(response) == "duplicate"
    stored = ProviderEvent.objects.get(event_id=event["id"])
    assert stored.deliveries == 2
    assert stored.attempts == 1
    assert upstream_mints() == 1
    assert AuditEntry.objects.count() == audit_before


def test_two_different_events_for_one_session_provision_once(client, start_checkout):
    order, session = start_checkout()
    completed = completed_paid(session)
    # Stripe may also send async_payment_succeeded for the same session (new event id).
    succeeded = session_event(session, "checkout.session.async_payment_succeeded")

    assert post_event(client, completed).status_code == 200
    response = post_event(client, succeeded)

    assert response.status_code == 200
    assert outcome_of(response) == "already_paid"
    assert upstream_mints() == 1
    assert PoolKey.objects.count() == 1
    assert AuditEntry.objects.filter(action="order.paid", target_id=str(order.pk)).count() == 1


def test_unpaid_completed_checkout_does_not_mint(client, start_checkout):
    order, session = start_checkout()

    response = post_event(client, session_event(session, payment_status="unpaid", status="complete"))

    assert response.status_code == 200
    assert outcome_of(response) == "awaiting_payment"
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
    payment = order_payment(order)
    assert (payment.state, payment.provider_status) == (Payment.State.PENDING, "unpaid")
    assert payment.payment_reference == session.payment_intent_id
    assert order.amount_charged == 0
    assert upstream_keys() == []
    assert PoolKey.objects.count() == 0


def test_async_payment_success_after_unpaid_completion_mints(client, start_checkout):
    order, session = start_checkout()
    post_event(client, session_event(session, payment_status="unpaid", status="complete"))

    response = post_event(
        client, session_event(session, "checkout.session.async_payment_succeeded", payment_status="paid")
    )

    assert outcome_of(response) == "paid"
    order.refresh_from_db()
    assert order.status == Order.Status.PROVISIONED
    assert [k.traffic_cap_gb for k in upstream_keys()] == [Decimal("5")]


def test_async_payment_failure_fails_the_order_without_a_key(client, start_checkout):
    order, session = start_checkout()
    post_event(client, session_event(session, payment_status="unpaid", status="complete"))

    response = post_event(client, session_event(session, "checkout.session.async_payment_failed"))

    assert outcome_of(response) == "payment_failed"
    order.refresh_from_db()
    assert order.status == Order.Status.FAILED
    assert order.paid_at is None
    assert order_payment(order).state == Payment.State.FAILED
    assert upstream_keys() == []
    assert not [m for m in mail.outbox if "ops@example.com" in m.to]  # no money, nothing for operators


def test_expired_checkout_expires_the_pending_order(client, start_checkout):
    order, session = start_checkout()

    response = post_event(client, session_event(session, "checkout.session.expired", status="expired"))

    assert outcome_of(response) == "expired"
    order.refresh_from_db()
    assert order.status == Order.Status.EXPIRED
    assert order_payment(order).state == Payment.State.CANCELED
    assert upstream_keys() == []


def test_late_expiry_event_does_not_touch_a_paid_order(client, start_checkout):
    order, session = start_checkout()
    post_event(client, completed_paid(session))
    stale = session_event(session, "checkout.session.expired")

    response = post_event(client, stale)

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == Order.Status.PROVISIONED


def test_paid_event_is_acted_on_only_as_the_reread_session_says(client, start_checkout):
    """The event is a trigger: a payload claiming "paid" for a session the payment side still
    holds as unpaid provisions nothing."""
    order, session = start_checkout()
    forged = session_event(session)
    forged["data"]["object"]["payment_status"] = "paid"  # the sandbox's session still says unpaid

    response = post_event(client, forged)

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
    assert upstream_keys() == []


def test_receipt_and_ready_emails_are_sent_once_without_secrets(client, start_checkout, customer):
    order, session = start_checkout()
    event = completed_paid(session)
    post_event(client, event)
    post_event(client, event)

    to_customer = [m for m in mail.outbox if m.to == [customer.email]]
    subjects = sorted(m.subject for m in to_customer)
    assert len(to_customer) == 2
    assert "receipt" in subjects[1].lower() or "receipt" in subjects[0].lower()
    assert any("ready" in s.lower() for s in subjects)
    for message in to_customer:
        bodies = [message.body] + [content for content, _type in message.alternatives]
        for body in bodies:
            assert "pak_" not in body
            assert "/dashboard/" in body or order.reference in body
    ready = next(m for m in to_customer if "ready" in m.subject.lower())
    assert "http://127.0.0.1:8000/dashboard/" in ready.body
