"""Customer pages: the pricing section, the order status page (htmx polling) and cancel (the
sandbox test-payment page is tested in tests/sandbox/payments). Every order page is its owner's
only: anyone else gets a 404."""

from decimal import Decimal

import pytest

from apps.billing.models import Order
from tests.factories import UserFactory

from .factories import PlanFactory, order_payment
from .support import get, upstream_keys

pytestmark = pytest.mark.django_db


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
    # Anonymous visitors are sent to sign up, then on to the plan's checkout (no buy form yet).
    assert "/accounts/signup/?next=/billing/checkout/starter/" in html
    assert 'action="/billing/checkout/' not in html


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
    from apps.billing.services import payment_confirm

    payment_confirm(payment_id=order_payment(order).pk, amount_received=Decimal("35.00"), currency="usd")

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
    from apps.billing.services import payment_confirm

    payment_confirm(payment_id=order_payment(order).pk, amount_received=Decimal("35.00"), currency="usd")
    Order.objects.filter(pk=order.pk).update(provisioning_attempts=1)  # the first attempt failed
    monkeypatch.undo()

    html = get(customer_client, status_url(order), headers={"HX-Request": "true"}).content.decode()
    html = get(customer_client, status_url(order), headers={"HX-Request": "true"}).content.decode()

    assert "Your proxy is ready" in html
    assert len(upstream_keys()) == 1


def test_cancel_returns_to_pricing_and_closes_the_unpaid_order(customer_client, start_checkout):
    order, _session = start_checkout()

    response = customer_client.get(f"/billing/orders/{order.public_id}/cancel/", follow=True)

    assert response.redirect_chain == [("/#pricing", 302)]
    assert b"Checkout cancelled" in response.content
    order.refresh_from_db()
    assert order.status == Order.Status.EXPIRED
