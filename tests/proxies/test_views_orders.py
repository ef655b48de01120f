"""Orders history and receipts."""

from decimal import Decimal

from django.urls import reverse

from apps.billing.models import Order
from tests.proxies.test_dashboard_fixtures import *  # noqa: F403 (the shared pytest fixtures)
from tests.proxies.test_dashboard_fixtures import make_order, make_plan


def test_history_lists_my_orders_with_date_plan_gb_amount_and_state(upstream, logged_in, customer, key, other_customer):
    plan = make_plan(name="Pro", gb=Decimal(25), price=Decimal(150))
    make_order(customer, plan=plan, status=Order.Status.PROVISIONED, pool_key=key)
    make_order(customer, status=Order.Status.PENDING)
    make_order(other_customer, plan=make_plan(name="Secret plan"), status=Order.Status.PENDING)
    html = logged_in.get(reverse("proxies:orders")).content.decode()
    assert "Pro" in html and "25 GB" in html and "$150.00" in html
    assert "Completed" in html and "Awaiting payment" in html
    assert "Secret plan" not in html


def test_receipt_shows_the_order(upstream, logged_in, customer, key):
    order = make_order(customer, status=Order.Status.PROVISIONED, pool_key=key, charged=Decimal("35.00"))
    response = logged_in.get(reverse("proxies:order_receipt", args=[order.public_id]))
    html = response.content.decode()
    assert response.status_code == 200
    assert str(order.public_id) in html
    assert customer.email in html
    assert "$35.00" in html
    assert "Starter" in html


def test_refund_shows_on_the_receipt(upstream, logged_in, customer, key):
    order = make_order(customer, status=Order.Status.REFUNDED, pool_key=key, amount_refunded=Decimal("10.00"))
    html = logged_in.get(reverse("proxies:order_receipt", args=[order.public_id])).content.decode()
    assert "Refunded: $10.00" in html


def test_dashboard_links_recent_orders_to_their_receipts(upstream, logged_in, customer, key):
    order = make_order(customer, status=Order.Status.PROVISIONED, pool_key=key)
    html = logged_in.get("/dashboard/").content.decode()
    assert reverse("proxies:order_receipt", args=[order.public_id]) in html


def test_no_orders_yet(upstream, logged_in):
    assert "No orders yet" in logged_in.get(reverse("proxies:orders")).content.decode()
