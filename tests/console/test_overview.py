"""The staff overview against a hand-computed fixture: every figure below was worked out on paper
from the rows the fixture creates (see the comments), then compared with the selector and the
rendered page."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.utils import timezone

from apps.billing.models import KeyAdjustment, Order
from apps.console.selectors import TREND_MIN_DAYS, operator_overview, operator_trends, overview_period
from apps.proxies.models import PoolKey, PoolKeyUsageSample
from apps.proxies.services.pricing import wholesale_pricing_refresh
from apps.proxies.upstream.errors import UpstreamUnavailable
from apps.proxies.upstream.health import (
    upstream_health_clear,
    upstream_health_record_error,
    upstream_health_record_success,
)
from apps.sandbox.upstream.faults import inject
from tests.billing.factories import OrderFactory, PaymentFactory, PlanFactory
from tests.factories import StaffFactory, UserFactory
from tests.proxies.fakes import sandbox_upstream

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)  # "last 30 days" = Apr 21 .. May 20
URL = "/admin/overview/"


def at(month: int, day: int, hour: int = 12) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def _key(customer, n: int, *, created: datetime, **fields) -> PoolKey:
    key = PoolKey.objects.create(customer=customer, upstream_id=f"pk_fixture_{n}", label=f"fixture-{n}", **fields)
    PoolKey.objects.filter(pk=key.pk).update(created_at=created)
    key.refresh_from_db()
    return key


def _reading(key: PoolKey, day: date, first, last) -> None:
    moment = datetime.combine(day, datetime.min.time(), tzinfo=UTC)
    PoolKeyUsageSample.objects.create(
        pool_key=key, day=day, first_used_mb=first, last_used_mb=last, first_sampled_at=moment, last_sampled_at=moment
    )


def _order(customer, *, status, currency="usd", gb, price, paid_at=None, charged=None, **fields) -> Order:
    """An order; `charged`: the money its confirmed payment received."""
    plan = PlanFactory(slug=f"fixture-{currency}-{gb}", gb=gb, price=price, currency=currency)
    order = OrderFactory(customer=customer, plan=plan, status=status, paid_at=paid_at, **fields)
    if charged is not None:
        PaymentFactory(order=order, confirmed=True, amount_received=charged)
    return order


@pytest.fixture
def fixture(monkeypatch):
    sandbox_upstream(monkeypatch)  # the wholesale feed: the sandbox quotes 4 USDC per GB
    upstream_health_clear()
    with time_machine.travel(NOW, tick=False):
        # Customers: A joined before the period; B, C, D, E inside it; staff never count.
        a = UserFactory(email="a@example.com", date_joined=at(3, 1))
        b = UserFactory(email="b@example.com", date_joined=at(5, 9))
        c = UserFactory(email="c@example.com", date_joined=at(4, 25))
        d = UserFactory(email="d@example.com", date_joined=at(5, 1))
        UserFactory(email="e@example.com", date_joined=at(5, 19))
        StaffFactory(date_joined=at(5, 2))

        # Keys. k1 at 85 % (near cap), k2 over its cap (suspended), k3 expiring in 3 days,
        # k4 missing upstream.
        k1 = _key(a, 1, created=at(4, 1), cap_gb=Decimal(10), used_mb=Decimal(8704))
        k2 = _key(b, 2, created=at(5, 10), cap_gb=Decimal(25), used_mb=Decimal(25600), enabled=False)
        k3 = _key(c, 3, created=at(3, 1), cap_gb=Decimal(5), used_mb=Decimal(100), expires_at=NOW + timedelta(days=3))
        _key(d, 4, created=at(5, 1), cap_gb=Decimal(100), missing_upstream=True)

        # Readings. In the period: k1 8704 - 1024 (its reading before the period) = 7680 MB;
        # k2 was created inside it, so from 0: 25600 MB; k3 was created long before its first
        # reading, so from that first reading: 100 - 50 = 50 MB. Total 33330 MB.
        _reading(k1, date(2026, 4, 15), 0, 1024)
        _reading(k1, date(2026, 5, 1), 1024, 2048)
        _reading(k1, date(2026, 5, 20), 6000, 8704)
        _reading(k2, date(2026, 5, 10), 512, 10240)
        _reading(k2, date(2026, 5, 15), 10240, 25600)
        _reading(k3, date(2026, 5, 5), 50, 80)
        _reading(k3, date(2026, 5, 6), 80, 100)

        # Orders paid in the period, USD: O1 35 + O2 150 + O5 500 = 685, 5 + 25 + 100 = 130 GB.
        o1 = _order(
            a, status="provisioned", gb=Decimal(5), price=Decimal(35), paid_at=at(5, 1), charged=Decimal(35),
            fulfilment_ref=str(k1.pk),
        )  # fmt: skip
        o2 = _order(
            b, status="refunded", gb=Decimal(25), price=Decimal(150), paid_at=at(5, 10), charged=Decimal(150),
            amount_refunded=Decimal(50),
        )  # fmt: skip
        _order(d, status="failed", gb=Decimal(100), price=Decimal(500), paid_at=at(5, 19), charged=Decimal(500))
        # EUR: O4 60, 10 GB, paid and still waiting for its key.
        _order(
            a, status="paid", currency="eur", gb=Decimal(10), price=Decimal(60), paid_at=at(5, 18), charged=Decimal(60)
        )
        # Paid before the period (not counted), refunded inside it (counted as a refund).
        o3 = _order(
            c, status="refunded", gb=Decimal(5), price=Decimal(35), paid_at=at(4, 1), charged=Decimal(35),
            amount_refunded=Decimal(35),
        )  # fmt: skip
        _order(c, status="pending", gb=Decimal(5), price=Decimal(35))  # never paid

        # Refunds in the period, USD: 50 (O2) + 35 (O3) = 85; a dispute of 35 on O1.
        for order, kind, amount, when in (
            (o2, "refund", Decimal(50), at(5, 12)),
            (o3, "refund", Decimal(35), at(5, 15)),
            (o1, "dispute", Decimal(35), at(5, 16)),
            (o3, "refund", Decimal(99), at(4, 2)),  # before the period: not counted
        ):
            adjustment = KeyAdjustment.objects.create(
                order=order, kind=kind, action="reduce_cap", reference=f"{kind}-{order.pk}-{amount}", amount=amount,
                gb=Decimal(1),
            )  # fmt: skip
            KeyAdjustment.objects.filter(pk=adjustment.pk).update(created_at=when)

        wholesale_pricing_refresh()  # read the feed now, so the health records below stay the latest
        upstream_health_record_success(at=NOW - timedelta(minutes=5), method="GET", path="/x", request_id="req_ok_1")
        upstream_health_record_error(
            at=NOW - timedelta(minutes=1),
            method="GET",
            path="/reseller/pool-keys",
            error=UpstreamUnavailable("bad gateway", status=502, request_id="req_err_42"),
        )
        yield


def test_overview_figures_match_the_hand_computed_fixture(fixture):
    with time_machine.travel(NOW, tick=False):
        o = operator_overview(period=overview_period(name="30d"))

    assert (o.period.start, o.period.end) == (date(2026, 4, 21), date(2026, 5, 20))
    assert (o.customers_total, o.customers_new, o.customers_with_key) == (5, 4, 4)
    assert o.orders_paid == 4
    assert o.gb_sold == Decimal(140)
    assert o.gb_used == Decimal(33330) / 1024  # 32.548828125 GB
    eur, usd = o.revenue  # by currency code
    assert (usd.currency, usd.orders, usd.gross, usd.refunds, usd.net) == ("usd", 3, Decimal(685), Decimal(85), 600)
    assert usd.disputed == Decimal(35)
    assert usd.gb_sold == Decimal(130)
    assert usd.price_per_gb == Decimal("5.27")  # 685 / 130
    assert (eur.currency, eur.orders, eur.gross, eur.refunds) == ("eur", 1, Decimal(60), Decimal(0))
    assert o.wholesale.per_gb == Decimal(4) and o.wholesale.currency == "USDC"
    (margin,) = o.margins  # USDC prices like USD; EUR gets no margin line
    assert margin.cost_of_gb_sold == Decimal(520)  # 130 GB x 4
    assert margin.margin == Decimal(80)  # 600 - 520
    assert margin.margin_percent == Decimal("13.3")
    assert margin.margin_per_gb == Decimal("1.27")
    assert o.cost_of_gb_used == Decimal("130.20")  # 32.548828125 x 4
    assert (o.keys_live, o.keys_near_cap_count, o.keys_suspended_cap, o.keys_expiring_soon, o.keys_missing) == (
        4,
        1,
        1,
        1,
        1,
    )
    assert [item.key.upstream_id for item in o.keys_near_cap] == ["pk_fixture_1"]
    assert (o.orders_waiting, o.orders_waiting_oldest, o.orders_failed) == (1, at(5, 18), 1)
    assert o.upstream["state"] == "degraded"
    assert o.upstream["last_error"]["request_id"] == "req_err_42"


def test_overview_page_renders_the_same_figures(fixture, client):
    client.force_login(StaffFactory())
    with time_machine.travel(NOW, tick=False):
        html = client.get(URL).content.decode()

    def tile(name):
        return html.split(f'id="{name}">', 1)[1].split("<", 1)[0].strip()

    assert tile("ov-customers") == "5"
    assert tile("ov-orders") == "4"
    assert tile("ov-gb-sold") == "140.00 GB"
    assert tile("ov-gb-used") == "32.55 GB"
    assert tile("ov-revenue-usd") == "600.00"
    assert tile("ov-revenue-eur") == "60.00"
    assert tile("ov-wholesale") == "4 USDC/GB"
    assert tile("ov-cost-usd") == "520.00"
    assert tile("ov-margin-usd") == "80.00"
    assert tile("ov-cost-used") == "130.20"
    assert "13.3 % of net revenue" in html
    assert "req_err_42" in html and "HTTP 502" in html
    assert "req_ok_1" in html
    assert "1 paid order could not be delivered" in html


def test_periods_have_fixed_bounds():
    today = date(2026, 3, 15)

    assert overview_period(name="today", today=today).start == today
    assert overview_period(name="7d", today=today).start == date(2026, 3, 9)
    assert overview_period(name="mtd", today=today).start == date(2026, 3, 1)
    last = overview_period(name="last_month", today=today)
    assert (last.start, last.end) == (date(2026, 2, 1), date(2026, 2, 28))
    assert overview_period(name="nonsense", today=today).name == "30d"


def test_overview_survives_a_failing_pricing_feed(client, monkeypatch):
    sandbox_upstream(monkeypatch)
    client.force_login(StaffFactory())
    with inject(status=503, path="/x402/pricing"):
        response = client.get(URL)

    assert response.status_code == 200
    assert "unavailable" in response.content.decode()


def test_the_pricing_feed_is_read_at_most_once_an_hour(client, monkeypatch):
    upstream = sandbox_upstream(monkeypatch)
    client.force_login(StaffFactory())

    client.get(URL)
    client.get(URL)

    assert upstream.calls["pricing"] == 1


def test_overview_is_for_staff_who_may_see_orders(client):
    assert client.get(URL)["Location"].startswith("/admin/login/")
    client.force_login(UserFactory())
    assert "/login/" in client.get(URL)["Location"]
    viewer = StaffFactory(is_superuser=False)
    client.force_login(viewer)
    assert client.get(URL).status_code == 403
    viewer.user_permissions.add(Permission.objects.get(codename="view_order"))
    assert client.get(URL).status_code == 200


def test_admin_index_links_to_the_overview(client):
    client.force_login(StaffFactory())

    html = client.get("/admin/").content.decode()

    assert 'href="/admin/overview/"' in html
    assert timezone.now()  # the index renders without the overview's queries


# Over time ---------------------------------------------------------------------------------------


def _series(chart) -> dict[date, Decimal]:
    return {bar.day: bar.value for bar in chart.bars if bar.value}


def test_trends_per_day_match_the_hand_computed_fixture(fixture):
    with time_machine.travel(NOW, tick=False):
        t = operator_trends(period=overview_period(name="30d"))

    eur, usd, gb, customers = t.charts
    assert (t.start, t.end, len(usd.bars)) == (date(2026, 4, 21), date(2026, 5, 20), 30)
    # Net revenue per day: paid less refunded that day (the dispute is not subtracted), as the tiles.
    assert _series(usd) == {
        date(2026, 5, 1): Decimal(35),
        date(2026, 5, 10): Decimal(150),
        date(2026, 5, 12): Decimal(-50),
        date(2026, 5, 15): Decimal(-35),
        date(2026, 5, 19): Decimal(500),
    }
    assert usd.total == Decimal(600) and usd.title == "Net revenue (USD)"
    assert _series(eur) == {date(2026, 5, 18): Decimal(60)}
    assert _series(gb) == {
        date(2026, 5, 1): Decimal(5),
        date(2026, 5, 10): Decimal(25),
        date(2026, 5, 18): Decimal(10),
        date(2026, 5, 19): Decimal(100),
    }
    assert customers.total == 4  # C, D, B and E joined in the period; staff never count
    assert [bar.height for bar in usd.bars if bar.value < 0] == ["0.0", "0.0"]  # a net refund day draws no bar


def test_a_short_period_still_charts_two_weeks(fixture):
    with time_machine.travel(NOW, tick=False):
        t = operator_trends(period=overview_period(name="today"))

    usd = next(chart for chart in t.charts if chart.key == "revenue-usd")
    assert (t.start, t.end, len(usd.bars)) == (date(2026, 5, 7), date(2026, 5, 20), TREND_MIN_DAYS)
    assert usd.total == Decimal(565)  # 150 - 50 - 35 + 500


def test_the_overview_page_draws_the_revenue_gb_and_customer_charts(fixture, client):
    client.force_login(StaffFactory())
    with time_machine.travel(NOW, tick=False):
        html = client.get(URL).content.decode()

    for key in ("revenue-usd", "revenue-eur", "gb-sold", "new-customers"):
        assert f'id="trend-{key}"' in html
    chart = html.split('id="trend-revenue-usd"', 1)[1].split("</figure>", 1)[0]
    assert chart.count("<rect ") == 30
    assert "Net revenue (USD): 600 USD over 30 days" in chart
    assert "May 19: 500 USD" in chart


def test_with_no_sales_the_charts_are_empty_not_an_error(client):
    client.force_login(StaffFactory())

    html = client.get(URL).content.decode()

    assert 'id="trend-revenue"' in html and 'id="trend-new-customers"' in html
