"""The overview's dedicated-ports section: the reseller's upstream account as the background job
last read it (the page never calls the ports upstream), its alerts, and the margin of each port
plan against the tariffs' slot price."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.billing.models import Order, Plan
from apps.console.selectors import operator_overview, overview_period
from apps.ports.models import UpstreamAccountSnapshot
from apps.proxies.services.pricing import wholesale_pricing_refresh
from tests.billing.factories import OrderFactory, PaymentFactory, PlanFactory
from tests.factories import StaffFactory
from tests.ports.support import sandbox_ports_client, use_ports_client
from tests.proxies.fakes import sandbox_upstream

pytestmark = pytest.mark.django_db

URL = "/admin/overview/"


@pytest.fixture
def staff_client(client, monkeypatch):
    sandbox_upstream(monkeypatch)  # the pool's pricing feed the overview reads
    client.force_login(StaffFactory())
    return client


@pytest.fixture
def ports_upstream(monkeypatch):
    return use_ports_client(monkeypatch, sandbox_ports_client())


def snapshot(**fields) -> UpstreamAccountSnapshot:
    defaults = {
        "balance": Decimal("143.20"),
        "currency": "USD",
        "shared_slots_total": 10,
        "shared_slots_used": 7,
        "shared_slots_available": 3,
        "private_slots_total": 2,
        "private_slots_used": 2,
        "private_slots_available": 0,
        "shared_traffic_available_gb": Decimal("12.5"),
        "private_traffic_available_gb": Decimal("3"),
        "shared_days_remaining": 21,
        "private_days_remaining": 4,
        "alerts": [{"type": "low_traffic", "message": "Traffic is running low", "severity": "info"}],
        "slot_prices": {"shared": "10.00", "private": "25.00"},
        "fetched_at": timezone.now(),
    }
    return UpstreamAccountSnapshot.objects.create(**{**defaults, **fields})


def test_the_account_and_plan_margins_show_without_an_upstream_call(staff_client, ports_upstream):
    snapshot(low_private_slots_since=timezone.now())

    html = staff_client.get(URL).content.decode()

    assert "143.20 USD" in html
    assert "7 used · 3 free" in html and "21 days remaining" in html
    assert "2 used · 0 free" in html and "4 days remaining" in html
    assert "12.50 GB shared" in html
    assert "Traffic is running low" in html
    # Default plans: shared $60 against $10/month, private $120 against $25/month, 30 days.
    assert 'id="ov-port-margin-port-shared-30d">50.00 (83.3 %)' in html
    assert 'id="ov-port-margin-port-private-30d">95.00 (79.2 %)' in html
    assert sum(ports_upstream.calls.values()) == 0


def test_before_the_first_read_the_page_says_so(staff_client, ports_upstream):
    html = staff_client.get(URL).content.decode()

    assert "Not read yet" in html
    assert sum(ports_upstream.calls.values()) == 0


def test_old_figures_are_flagged_with_the_last_error(staff_client):
    snapshot(fetched_at=timezone.now() - timedelta(hours=2), error="The proxy network did not answer.")

    html = staff_client.get(URL).content.decode()

    assert "These figures are from" in html and "The proxy network did not answer." in html


def test_a_plan_priced_in_another_currency_shows_no_margin(staff_client):
    snapshot()
    Plan.objects.filter(slug="port-shared-30d").update(currency="eur")

    html = staff_client.get(URL).content.decode()

    assert 'id="ov-port-margin-port-shared-30d">—' in html


def _paid(plan: Plan, *, gb=None) -> Order:
    order = OrderFactory(plan=plan, product_kind=plan.product_kind, status=Order.Status.PAID, paid_at=timezone.now())
    if gb is not None:
        Order.objects.filter(pk=order.pk).update(gb=gb)
    PaymentFactory(order=order, confirmed=True)
    return order


def test_the_overall_margin_counts_the_ports_sold_at_the_tariffs_price(staff_client):
    wholesale_pricing_refresh()  # the sandbox quotes 4 USDC per GB
    snapshot()  # slots: shared $10, private $25 a month
    _paid(PlanFactory(slug="pool-10", gb=Decimal(10), price=Decimal(70)))
    _paid(Plan.objects.get(slug="port-shared-30d"))  # $60, costs $10
    _paid(Plan.objects.get(slug="port-private-30d"), gb=Decimal(2))  # two ports, $120 each, cost $25 each

    o = operator_overview(period=overview_period(name="30d"))

    assert o.gb_sold == Decimal(10)  # ports are not GB
    (margin,) = o.margins
    assert margin.cost_of_gb_sold == Decimal(40)
    assert margin.cost_of_ports_sold == Decimal(60)  # 10 + 2 x 25
    assert margin.margin == margin.net_revenue - Decimal(100)
    html = staff_client.get(URL).content.decode()
    assert 'id="ov-port-cost-usd">60.00' in html


def test_before_the_tariffs_are_read_the_margin_says_port_costs_are_unknown(staff_client):
    wholesale_pricing_refresh()
    _paid(Plan.objects.get(slug="port-shared-30d"))

    (margin,) = operator_overview(period=overview_period(name="30d")).margins

    assert margin.cost_of_ports_sold is None
    assert 'id="ov-port-cost-usd">unknown' in staff_client.get(URL).content.decode()
