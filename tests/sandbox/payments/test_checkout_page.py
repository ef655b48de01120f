"""The test-payment page: clearly marked, every outcome Stripe Checkout can end in, each handed
to billing's webhook service in-process; a customer reaches only their own test checkout."""

import pytest

from apps.billing.models import Order, ProviderEvent
from tests.billing.support import upstream_keys
from tests.factories import UserFactory

from .support import checkout_url, post

pytestmark = pytest.mark.django_db


def test_sandbox_page_is_clearly_marked_and_offers_every_outcome(customer_client, start_checkout):
    _order, session = start_checkout()

    html = customer_client.get(checkout_url(session)).content.decode()

    assert "TEST PAYMENT" in html
    for value in ("pay", "decline", "async_success", "async_fail", "expire", "cancel"):
        assert f'value="{value}"' in html


def test_sandbox_pay_hands_the_event_to_the_webhook_service(customer_client, start_checkout):
    order, session = start_checkout()

    response = post(customer_client, checkout_url(session), {"outcome": "pay"})

    assert response.status_code == 302
    assert response["Location"] == f"/billing/orders/{order.public_id}/status/?session_id={session.id}"
    order.refresh_from_db()
    assert order.status == Order.Status.PROVISIONED
    event = ProviderEvent.objects.get()
    assert event.type == "checkout.session.completed"
    assert event.outcome == "paid"


def test_sandbox_decline_charges_nothing_and_lets_the_customer_retry(customer_client, start_checkout):
    order, session = start_checkout()

    response = post(customer_client, checkout_url(session), {"outcome": "decline"})

    assert response.status_code == 200
    assert b"declined" in response.content
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
    session.refresh_from_db()
    assert session.status == "open"

    post(customer_client, checkout_url(session), {"outcome": "pay"})
    order.refresh_from_db()
    assert order.status == Order.Status.PROVISIONED


def test_sandbox_pay_later_then_succeed_provisions(customer_client, start_checkout):
    order, session = start_checkout()

    post(customer_client, checkout_url(session), {"outcome": "async_success"})

    order.refresh_from_db()
    assert order.status == Order.Status.PROVISIONED
    assert len(upstream_keys()) == 1


def test_sandbox_pay_later_then_fail_provisions_nothing(customer_client, start_checkout):
    order, session = start_checkout()

    post(customer_client, checkout_url(session), {"outcome": "async_fail"})

    order.refresh_from_db()
    assert order.status == Order.Status.FAILED
    assert upstream_keys() == []


def test_sandbox_expire_expires_the_order(customer_client, start_checkout):
    order, session = start_checkout()

    post(customer_client, checkout_url(session), {"outcome": "expire"})

    order.refresh_from_db()
    assert order.status == Order.Status.EXPIRED


def test_sandbox_session_cannot_be_paid_twice(customer_client, start_checkout):
    order, session = start_checkout()
    post(customer_client, checkout_url(session), {"outcome": "pay"})

    response = post(customer_client, checkout_url(session), {"outcome": "pay"})

    assert response.status_code == 200
    assert b"already finished" in response.content
    assert len(upstream_keys()) == 1


def test_sandbox_rejects_an_unknown_outcome(customer_client, start_checkout):
    order, session = start_checkout()

    response = post(customer_client, checkout_url(session), {"outcome": "steal"})

    assert response.status_code == 400
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING


def test_sandbox_page_of_someone_elses_session_is_404(client, start_checkout):
    order, session = start_checkout()
    client.force_login(UserFactory())

    assert client.get(checkout_url(session)).status_code == 404
    assert post(client, checkout_url(session), {"outcome": "pay"}).status_code == 404
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING


def test_sandbox_page_is_404_without_sandbox_payments(customer_client, start_checkout, settings):
    _order, session = start_checkout()
    settings.STRIPE_SANDBOX = False

    assert customer_client.get(checkout_url(session)).status_code == 404


def test_the_page_needs_no_webhook_secret(customer_client, start_checkout, settings):
    settings.STRIPE_WEBHOOK_SECRET = ""  # a sandbox deployment: the public webhook takes nothing
    order, session = start_checkout()

    post(customer_client, checkout_url(session), {"outcome": "pay"})

    order.refresh_from_db()
    assert order.status == Order.Status.PROVISIONED
