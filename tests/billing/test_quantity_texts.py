"""Port plans are periods, not gigabytes: outside the pricing cards (orders lists, receipts,
e-mails, the admin, the API) a port order reads "1 port", pool traffic still reads in GB."""

from decimal import Decimal

import pytest
from django.core import mail

from apps.billing.dashboard import order_view
from apps.billing.models import Plan
from apps.billing.providers.stripe.provider import checkout_session_params
from apps.billing.quantity import quantity_text
from apps.billing.services.emails import order_email_send
from tests.billing.factories import OrderFactory
from tests.factories import StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def port_order():
    plan = Plan.objects.get(slug="port-shared-30d")
    return OrderFactory(plan=plan, product_kind="dedicated_port", gb=Decimal("1.00"), plan_name=plan.name)


def test_quantities_read_in_the_products_unit():
    assert quantity_text(Decimal("25.00"), "pool_traffic") == "25 GB"
    assert quantity_text(Decimal("2.50"), "pool_traffic") == "2.50 GB"
    assert quantity_text(Decimal("1.00"), "dedicated_port") == "1 port"
    assert quantity_text(Decimal("3"), "dedicated_port") == "3 ports"
    assert quantity_text(Decimal("5"), "no_longer_sold") == "5 GB"


def test_the_orders_list_and_the_plan_say_port(port_order):
    assert order_view(port_order).quantity_text == "1 port"
    assert "(1 port, 60.00 USD)" in str(port_order.plan)


def test_the_receipt_email_says_port_not_gb(port_order):
    order_email_send(order_id=port_order.pk, kind="receipt")

    [message] = mail.outbox
    assert "Quantity:   1 port" in message.body
    assert " GB" not in message.body


def test_the_stripe_line_item_names_the_port(port_order):
    params = checkout_session_params(order=port_order, customer_reference="")

    description = params["line_items"][0]["price_data"]["product_data"].get("description", "")
    assert description.startswith("1 port: Shared mobile port")


def test_the_plans_api_gives_ports_a_unit_and_their_options(client):
    from tests.api.conftest import api_for
    from tests.factories import UserFactory

    api = api_for(client, UserFactory())
    plans = {p["slug"]: p for p in api.get("/api/v1/plans").json()["data"]}

    port = plans["port-private-30d"]
    assert (port["unit"], port["quantity"], port["gb"], port["price_per_gb"]) == ("port", "1.00", None, None)
    assert port["port"] == {
        "sharing": "private",
        "country": "",
        "carrier": "",
        "period_days": 30,
        "traffic_gb": None,
    }
    pool = plans["starter"]
    assert (pool["unit"], pool["gb"], pool["port"]) == ("GB", "5.00", None)


def test_the_admin_lists_plans_and_orders_by_quantity(client, port_order):
    client.force_login(StaffFactory(is_superuser=True))

    plans = client.get("/admin/billing/plan/").content.decode()
    orders = client.get("/admin/billing/order/").content.decode()

    assert "1 port" in plans and "60.00 per port" in plans
    assert "1 port" in orders
