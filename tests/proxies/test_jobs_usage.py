"""The usage sync job against the sandbox with simulated traffic: one list call mirrors every key,
each run records the day's reading, the history gives daily traffic for charts and CSV, and the
job is safe to run twice or on several workers."""

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone

from apps.core.charts import BOTTOM, HEIGHT, TOP
from apps.proxies import tasks
from apps.proxies.models import PoolKey, PoolKeyUsageSample
from apps.proxies.selectors_usage import (
    usage_chart,
    usage_chart_for_key,
    usage_csv_rows,
    usage_daily_for_key,
    usage_traffic_between,
)
from apps.proxies.services import usage_samples_prune, usage_samples_record, usage_sync_run
from apps.sandbox.upstream.faults import inject
from apps.sandbox.upstream.models import SandboxKey
from apps.sandbox.upstream.traffic import sandbox_simulate_traffic
from tests.factories import UserFactory
from tests.proxies.factories import pool_keys_bulk_create
from tests.proxies.fakes import FakePoolGatewayClient, sandbox_upstream, use_upstream

from .console_support import mint

pytestmark = pytest.mark.django_db

DAY1 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def upstream(monkeypatch):
    return sandbox_upstream(monkeypatch)


def _traffic(mb: float, seed: int = 3):
    return sandbox_simulate_traffic(mb=mb, rng=random.Random(seed))


def _upstream_mb(key: PoolKey) -> Decimal:
    return SandboxKey.objects.get(public_id=key.upstream_id).traffic_used_mb


def _sample(key, day, first, last):
    now = timezone.now()
    return PoolKeyUsageSample.objects.create(
        pool_key=key, day=day, first_used_mb=first, last_used_mb=last, first_sampled_at=now, last_sampled_at=now
    )


# The job against the sandbox -------------------------------------------------------------------


def test_sync_job_mirrors_traffic_with_one_list_call_and_records_todays_reading(upstream):
    keys = [mint(cap_gb=Decimal(50)) for _ in range(3)]
    _traffic(mb=200)
    upstream.calls.clear()

    report = tasks.usage_sync.delay().get()

    assert upstream.calls["list_keys"] == 1
    assert upstream.calls["get_key"] == 0
    assert report["sync"]["updated"] == 3
    assert report["samples"] == 3
    for key in keys:
        key.refresh_from_db()
        assert key.used_mb == _upstream_mb(key) > 0
        sample = PoolKeyUsageSample.objects.get(pool_key=key)
        assert sample.day == timezone.now().date()
        assert sample.first_used_mb == sample.last_used_mb == key.used_mb


def test_a_second_run_the_same_day_moves_the_last_reading_only(upstream):
    key = mint(cap_gb=Decimal(50))
    _traffic(mb=100)
    usage_sync_run()
    first = _upstream_mb(key)
    _traffic(mb=100, seed=4)

    usage_sync_run()
    usage_sync_run()  # a rerun changes nothing more

    sample = PoolKeyUsageSample.objects.get(pool_key=key)
    assert sample.first_used_mb == first
    assert sample.last_used_mb == _upstream_mb(key) > first
    assert PoolKeyUsageSample.objects.count() == 1


def test_daily_history_over_several_days_matches_the_simulated_traffic(upstream):
    with time_machine.travel(DAY1, tick=False) as clock:
        key = mint(cap_gb=Decimal(100))
        expected = {}
        total = Decimal(0)
        for day in range(4):
            before = _upstream_mb(key)
            _traffic(mb=300, seed=day)
            usage_sync_run()
            clock.shift(timedelta(hours=6))
            _traffic(mb=100, seed=day + 10)
            usage_sync_run()
            expected[timezone.now().date()] = _upstream_mb(key) - before
            total += expected[timezone.now().date()]
            clock.shift(timedelta(hours=18))
        today = date(2026, 3, 4)

        daily = usage_daily_for_key(key=key, days=30, today=today)

        assert len(daily) == 30
        assert {d.day: d.used_mb for d in daily if d.counter_mb is not None} == expected
        assert all(d.used_mb == 0 for d in daily[:26])
        assert usage_traffic_between(start=date(2026, 3, 1), end=today) == total
        assert usage_traffic_between(start=date(2026, 3, 3), end=today) == expected[date(2026, 3, 3)] + expected[today]


def test_an_upstream_outage_records_no_reading_but_still_runs_the_alerts(upstream):
    mint()
    with inject(status=503, path="/reseller/pool-keys", method="GET"):
        report = usage_sync_run()

    assert "sync_error" in report
    assert "alerts" in report
    assert not PoolKeyUsageSample.objects.exists()


def test_10000_keys_are_one_list_call_and_bulk_writes(monkeypatch, django_assert_max_num_queries):
    fake = FakePoolGatewayClient()
    use_upstream(monkeypatch, fake)
    pool_keys_bulk_create(count=10_000, customers=UserFactory.create_batch(3), tag_prefix="s")
    for n in range(10_000):
        fake.add(id=f"pk_{n:05d}", label=f"k{n}", traffic_used_mb=Decimal(n % 7), traffic_cap_gb=Decimal(10))

    # sync (bounded, see test_services_sync) + 10 sample batches + a handful of alert queries
    with django_assert_max_num_queries(200):
        report = usage_sync_run()

    assert fake.calls == {"list_keys": 1}
    assert report["samples"] == 10_000
    assert PoolKeyUsageSample.objects.count() == 10_000
    assert PoolKeyUsageSample.objects.get(pool_key__upstream_id="pk_00006").last_used_mb == Decimal(6)


def test_the_job_skips_while_another_worker_holds_its_lock(upstream):
    mint()
    cache.add(tasks.LOCK_PREFIX + "usage-sync", "someone-else", 60)
    upstream.calls.clear()

    report = tasks.usage_sync()

    assert report == {"skipped": "another worker is running the usage sync"}
    assert upstream.calls["list_keys"] == 0
    assert cache.get(tasks.LOCK_PREFIX + "usage-sync") == "someone-else"  # not released by us


def test_the_job_releases_its_lock(upstream):
    tasks.usage_sync()

    assert cache.get(tasks.LOCK_PREFIX + "usage-sync") is None


def test_readings_skip_deleted_and_missing_keys(upstream):
    kept, deleted, missing = mint(), mint(), mint()
    PoolKey.objects.filter(pk=deleted.pk).update(deleted_at=timezone.now())
    PoolKey.objects.filter(pk=missing.pk).update(missing_upstream=True)

    assert usage_samples_record() == 1
    assert list(PoolKeyUsageSample.objects.values_list("pool_key_id", flat=True)) == [kept.pk]


def test_prune_drops_old_readings_but_keeps_each_keys_baseline(upstream):
    key = mint()
    today = date(2026, 6, 30)
    for offset in (200, 100, 95, 10):
        _sample(key, today - timedelta(days=offset), offset, 1000 - offset)

    result = usage_samples_prune(keep_days=90, today=today)

    assert result.deleted == 2
    assert sorted((today - d).days for d in PoolKeyUsageSample.objects.values_list("day", flat=True)) == [10, 95]
    daily = usage_daily_for_key(key=key, days=30, today=today)
    assert daily[-11].used_mb == Decimal(85)  # 990 - 905: the baseline kept its job


def test_prune_task_reports(upstream):
    assert tasks.usage_history_prune()["deleted"] == 0


# Daily figures, chart and CSV ------------------------------------------------------------------


def test_first_day_counts_from_zero_for_a_key_created_that_day(upstream):
    key = mint()
    today = timezone.now().date()
    _sample(key, today, 300, 500)

    assert usage_daily_for_key(key=key, days=1, today=today)[0].used_mb == Decimal(500)


def test_first_day_counts_from_its_first_reading_for_an_older_key(upstream):
    key = mint()
    PoolKey.objects.filter(pk=key.pk).update(created_at=timezone.now() - timedelta(days=40))
    key.refresh_from_db()
    today = timezone.now().date()
    _sample(key, today, 300, 500)

    assert usage_daily_for_key(key=key, days=1, today=today)[0].used_mb == Decimal(200)


def test_chart_scales_to_a_round_axis_and_switches_units(upstream):
    key = mint()
    today = date(2026, 5, 30)
    PoolKey.objects.filter(pk=key.pk).update(created_at=datetime(2026, 1, 1, tzinfo=UTC))
    key.refresh_from_db()
    _sample(key, today - timedelta(days=2), 0, 0)
    _sample(key, today - timedelta(days=1), 0, 3 * 1024)  # 3 GB
    _sample(key, today, 3 * 1024, 3 * 1024 + 512)  # 0.5 GB

    chart = usage_chart_for_key(key=key, today=today)

    assert chart.unit == "GB"
    assert [t.label for t in chart.ticks] == ["0", "1.25", "2.5", "3.75", "5"]
    tallest = max(chart.bars, key=lambda b: float(b.height))
    assert tallest.day == today - timedelta(days=1)
    assert float(tallest.height) == pytest.approx((HEIGHT - TOP - BOTTOM) * 3 / 5, abs=0.1)
    assert chart.bars[-1].title == "May 30: 0.5 GB"
    assert chart.total == Decimal("3.5")
    assert not chart.empty


def test_chart_of_a_key_without_readings_says_so(upstream):
    chart = usage_chart_for_key(key=mint())

    assert chart.empty
    assert chart.unit == "MB"
    html = render_to_string("proxies/_usage_chart.html", {"chart": chart})
    assert "no readings yet" in html
    assert "<svg" in html and "style=" not in html


def test_chart_partial_and_template_tag_render_bars_with_titles(upstream):
    key = mint()
    _sample(key, timezone.now().date(), 0, 700)

    html = render_to_string("proxies/_usage_chart.html", {"chart": usage_chart(usage_daily_for_key(key=key))})

    assert html.count("<rect ") == 30
    assert "700 MB used in the last 30 days" in html
    from django.template import Context, Template

    tag = Template("{% load usage_chart %}{% usage_chart key %}").render(Context({"key": key}))
    assert "700 MB used in the last 30 days" in tag


def test_csv_rows_for_all_keys_agree_with_the_daily_figures(upstream):
    a, b = mint(), mint()
    today = timezone.now().date()
    for key, readings in ((a, [(2, 0, 100), (1, 100, 150)]), (b, [(1, 0, 40), (0, 40, 90)])):
        for offset, first, last in readings:
            _sample(key, today - timedelta(days=offset), first, last)

    rows = list(usage_csv_rows(start=today - timedelta(days=1), end=today))

    assert rows[0][0] == "date"
    body = {(r[3], r[0]): r[4] for r in rows[1:]}
    assert body == {
        (a.upstream_id, (today - timedelta(days=1)).isoformat()): "50.000",
        (b.upstream_id, (today - timedelta(days=1)).isoformat()): "40.000",
        (b.upstream_id, today.isoformat()): "50.000",
    }


def test_the_customer_dashboard_draws_the_last_30_days_from_the_readings(client, upstream):
    customer = UserFactory()
    key = mint(customer, cap_gb=Decimal(50))
    _traffic(mb=400)
    usage_sync_run()
    client.force_login(customer)

    html = client.get("/dashboard/").content.decode()
    assert "Daily traffic" in html
    html = client.get(f"/dashboard/keys/{key.pk}/history/").content.decode()  # loaded after the page

    chart = usage_chart_for_key(key=key)
    assert chart.total == _upstream_mb(key) > 0  # created today: all of its traffic is today's
    assert html.count("<rect ") >= 30
    assert chart.summary in html


def test_the_summary_reads_in_gb_once_the_month_adds_up_to_one(upstream):
    key = mint()
    today = timezone.now().date()
    for offset in range(4):
        _sample(key, today - timedelta(days=3 - offset), 300 * offset, 300 * (offset + 1))

    chart = usage_chart_for_key(key=key, today=today)

    assert chart.unit == "MB"  # each day is under a GB
    assert chart.summary == "1.17 GB used in the last 30 days"  # 1200 MB
