"""Customer pages: the pricing section, the order status page (htmx polling), cancel, and the
sandbox test-payment page. Every order page is its owner's only: anyone else gets a 404."""

from decimal import Decimal

import pytest
from django.test import TestCase

from apps.billing.models import Order
from apps.sandbox.payments.models import SandboxCheckoutSession
from tests.factories import UserFactory

from .factories import PlanFactory
from .support import upstream_keys

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer_client(client, customer):
    client.force_login(customer)
    return client


def get(client, url, **kwargs):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.get(url, **kwargs)


def post(client, url, data=None, **kwargs):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(url, data or {}, **kwargs)


# Pricing ---------------------------------------------------------------------------------------


def test_landing_page_lists_active_plans_with_price_per_gb(client, plan, pro_plan):
    PlanFactory(slug="hidden", name="Hidden plan", active=False)
    PlanFactory(slug="scale", name="Scale", gb=Decimal("100"), price=Decimal("500.00"), sort_order=30)

    response = client.get("/")

    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="pricing"' in html
    for text in (
        "Starter",
        "Pro",
        "Scale",
        "$35",
        "$150",
        "$500",
        "$7.00 per GB",
        "$6.00 per GB",
        "$5.00 per GB",
        "save 28%",
        "Most popular",
    ):
        assert text in html, text
    assert "Hidden plan" not in html
    # Anonymous visitors are sent to sign up, not to a checkout.
    assert "/accounts/signup/?next=/%23pricing" in html
    assert "/billing/checkout/" not in html


def test_logged_in_customers_get_buy_buttons_that_post_to_checkout(customer_client, plan):
    html = customer_client.get("/").content.decode()

    assert 'action="/billing/checkout/starter/"' in html
    assert 'method="post"' in html
    assert "csrfmiddlewaretoken" in html


def test_default_plans_come_from_the_data_migration(client):
    from apps.billing.models import Plan

    plans = {p.slug: (p.gb, p.price, p.validity_days) for p in Plan.objects.all()}
    assert plans["starter"] == (Decimal("5"), Decimal("35.00"), 30)
    assert plans["pro"] == (Decimal("25"), Decimal("150.00"), 30)
    assert plans["scale"] == (Decimal("100"), Decimal("500.00"), 30)


# Order status ----------------------------------------------------------------------------------


def status_url(order: Order) -> str:
    return f"/billing/orders/{order.public_id}/status/"


def test_status_page_polls_while_the_order_is_paid(customer_client, start_checkout, monkeypatch):
    order, _session = start_checkout()
    monkeypatch.setattr("apps.billing.tasks.provision_order.delay", lambda *a, **k: None)
    from apps.billing.services import order_mark_paid

    order_mark_paid(order_id=order.pk, amount_paid=Decimal("35.00"))

    response = get(customer_client, status_url(order))

    html = response.content.decode()
    assert response.status_code == 200
    assert "Payment received, preparing your proxy" in html
    assert f'hx-get="{status_url(order)}"' in html
    assert 'hx-trigger="every 2s"' in html
    assert 'src="/static/vendor/htmx.min.js"' in html


def test_status_partial_stops_polling_and_links_the_dashboard_once_provisioned(customer_client, buy):
    order = buy()

    response = get(customer_client, status_url(order), headers={"HX-Request": "true"})

    html = response.content.decode()
    assert "<html" not in html  # just the panel, swapped in by htmx
    assert "Your proxy is ready" in html
    assert 'href="/dashboard/"' in html
    assert "hx-trigger" not in html
    assert "pak_" not in html


def test_status_page_of_someone_elses_order_is_404(client, start_checkout):
    order, _session = start_checkout()
    client.force_login(UserFactory())

    assert client.get(status_url(order)).status_code == 404
    assert client.get(f"/billing/orders/{order.public_id}/cancel/").status_code == 404


def test_status_page_needs_login(client, start_checkout):
    order, _session = start_checkout()

    response = client.get(status_url(order))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_status_page_heals_a_paid_order_whose_retry_is_due(customer_client, start_checkout, monkeypatch):
    """Where no beat runs (the embedded default), the page itself re-drives the order."""
    order, _session = start_checkout()
    monkeypatch.setattr("apps.billing.tasks.provision_order.delay", lambda *a, **k: None)
    from apps.billing.services import order_mark_paid

    order_mark_paid(order_id=order.pk, amount_paid=Decimal("35.00"))
    Order.objects.filter(pk=order.pk).update(provisioning_attempts=1)  # the first attempt failed
    monkeypatch.undo()

    html = get(customer_client, status_url(order), headers={"HX-Request": "true"}).content.decode()
    html = get(customer_client, status_url(order), headers={"HX-Request": "true"}).content.decode()

    assert "Your proxy is ready" in html
    assert len(upstream_keys()) == 1


def test_cancel_returns_to_pricing_and_leaves_the_order_pending(customer_client, start_checkout):
    order, _session = start_checkout()

    response = customer_client.get(f"/billing/orders/{order.public_id}/cancel/", follow=True)

    assert response.redirect_chain == [("/#pricing", 302)]
    assert b"Checkout cancelled" in response.content
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING


# The sandbox test-payment page -----------------------------------------------------------------


def sandbox_url(session: SandboxCheckoutSession) -> str:
    return f"/sandbox/checkout/{session.id}/"


def test_sandbox_page_is_clearly_marked_and_offers_every_outcome(customer_client, start_checkout):
    _order, session = start_checkout()

    html = customer_client.get(sandbox_url(session)).content.decode()

    assert "TEST PAYMENT" in html
    for value in ("pay", "decline", "async_success", "async_fail", "expire", "cancel"):
        assert f'value="{value}"' in html


def test_sandbox_pay_sends_a_signed_event_through_the_real_webhook(customer_client, start_checkout):
    order, session = start_checkout()

    response = post(customer_client, sandbox_url(session), {"outcome": "pay"})

    assert response.status_code == 302
    assert response["Location"] == f"/billing/orders/{order.public_id}/status/?session_id={session.id}"
    order.refresh_from_db()
    assert order.status == Order.Status.PROVISIONED
    from apps.billing.models import StripeEvent

    event = StripeEvent.objects.get()
    assert event.type == "checkout.session.completed"
    assert event.outcome == "paid"


def test_sandbox_decline_charges_nothing_and_lets_the_customer_retry(customer_client, start_checkout):
    order, session = start_checkout()

    response = post(customer_client, sandbox_url(session), {"outcome": "decline"})

    assert response.status_code == 200
    assert b"declined" in response.content
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
    session.refresh_from_db()
    assert session.status == "open"

    post(customer_client, sandbox_url(session), {"outcome": "pay"})
    order.refresh_from_db()
    assert order.status == Order.Status.PROVISIONED


def test_sandbox_pay_later_then_succeed_provisions(customer_client, start_checkout):
    order, session = start_checkout()

    post(customer_client, sandbox_url(session), {"outcome": "async_success"})

    order.refresh_from_db()
    assert order.status == Order.Status.PROVISIONED
    assert len(upstream_keys()) == 1


def test_sandbox_pay_later_then_fail_provisions_nothing(customer_client, start_checkout):
    order, session = start_checkout()

    post(customer_client, sandbox_url(session), {"outcome": "async_fail"})

    order.refresh_from_db()
    assert order.status == Order.Status.FAILED
    assert upstream_keys() == []


def test_sandbox_expire_expires_the_order(customer_client, start_checkout):
    order, session = start_checkout()

    post(customer_client, sandbox_url(session), {"outcome": "expire"})

    order.refresh_from_db()
    assert order.status == Order.Status.EXPIRED


def test_sandbox_session_cannot_be_paid_twice(customer_client, start_checkout):
    order, session = start_checkout()
    post(customer_client, sandbox_url(session), {"outcome": "pay"})

    response = post(customer_client, sandbox_url(session), {"outcome": "pay"})

    assert response.status_code == 200
    assert b"already finished" in response.content
    assert len(upstream_keys()) == 1


def test_sandbox_rejects_an_unknown_outcome(customer_client, start_checkout):
    order, session = start_checkout()

    response = post(customer_client, sandbox_url(session), {"outcome": "steal"})

    assert response.status_code == 400
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING


def test_sandbox_page_of_someone_elses_session_is_404(client, start_checkout):
    order, session = start_checkout()
    client.force_login(UserFactory())

    assert client.get(sandbox_url(session)).status_code == 404
    assert post(client, sandbox_url(session), {"outcome": "pay"}).status_code == 404
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING


def test_sandbox_page_is_404_without_sandbox_payments(customer_client, start_checkout, settings):
    _order, session = start_checkout()
    settings.STRIPE_SANDBOX = False

    assert customer_client.get(sandbox_url(session)).status_code == 404
