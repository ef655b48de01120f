"""The customer's orders on their dashboard: the orders page, receipts, and the recent orders the
dashboard links to (billing's pages and template tag; the proxies dashboard renders the tag)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from apps.billing.models import Order
from tests.proxies.support import make_order, make_plan, mint_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def key(customer):
    return mint_key(customer)


def test_history_lists_my_orders_with_date_plan_gb_amount_and_state(customer_client, customer, key, other_customer):
    plan = make_plan(name="Pro", gb=Decimal(25), price=Decimal(150))
    make_order(customer, plan=plan, status=Order.Status.PROVISIONED, fulfilment_ref=str(key.pk))
    make_order(customer, status=Order.Status.PENDING)
    make_order(other_customer, plan=make_plan(name="Secret plan"), status=Order.Status.PENDING)
    html = customer_client.get(reverse("orders:list")).content.decode()
    assert "Pro" in html and "25 GB" in html and "$150.00" in html
    assert "Completed" in html and "Awaiting payment" in html
    assert "Secret plan" not in html


def test_receipt_shows_the_order(customer_client, customer, key):
    order = make_order(customer, status=Order.Status.PROVISIONED, fulfilment_ref=str(key.pk), charged=Decimal("35.00"))
    response = customer_client.get(reverse("orders:receipt", args=[order.public_id]))
    html = response.content.decode()
    assert response.status_code == 200
    assert str(order.public_id) in html
    assert customer.email in html
    assert "$35.00" in html
    assert "Starter" in html


def test_refund_shows_on_the_receipt(customer_client, customer, key):
    order = make_order(
        customer, status=Order.Status.REFUNDED, fulfilment_ref=str(key.pk), amount_refunded=Decimal("10.00")
    )
    html = customer_client.get(reverse("orders:receipt", args=[order.public_id])).content.decode()
    assert "Refunded: $10.00" in html


def test_dashboard_links_recent_orders_to_their_receipts(customer_client, customer, key):
    order = make_order(customer, status=Order.Status.PROVISIONED, fulfilment_ref=str(key.pk))
    html = customer_client.get("/dashboard/").content.decode()
    assert reverse("proxies:orders_recent") in html  # the panel follows the page
    html = customer_client.get(reverse("proxies:orders_recent")).content.decode()
    assert reverse("orders:receipt", args=[order.public_id]) in html


def test_no_orders_yet(customer_client):
    assert "No orders yet" in customer_client.get(reverse("orders:list")).content.decode()


def test_the_order_pages_keep_their_addresses():
    assert reverse("orders:list") == "/dashboard/orders/"
    assert reverse("orders:provisioning") == "/dashboard/status/"
