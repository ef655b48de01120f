"""The wholesale pricing cache: the upstream's public pricing feed, read at most once an hour and
once a minute after a failure; a failure keeps the last good price and records why."""

from datetime import timedelta
from decimal import Decimal

import time_machine
from django.utils import timezone

from apps.proxies.services.pricing import (
    wholesale_pricing_cached,
    wholesale_pricing_error,
    wholesale_pricing_refresh,
)
from apps.sandbox.upstream.faults import inject
from tests.proxies.fakes import sandbox_upstream


def test_refresh_reads_the_feed_into_the_cache_once_an_hour(monkeypatch, db):
    upstream = sandbox_upstream(monkeypatch)
    start = timezone.now()

    with time_machine.travel(start, tick=False):
        wholesale_pricing_refresh()
        wholesale_pricing_refresh()
    assert upstream.calls["pricing"] == 1
    entry = wholesale_pricing_cached()
    assert (entry["per_gb"], entry["currency"], entry["fetched_at"]) == (Decimal(4), "USDC", start)

    with time_machine.travel(start + timedelta(minutes=61), tick=False):
        wholesale_pricing_refresh()
    assert upstream.calls["pricing"] == 2


def test_a_failed_refresh_keeps_the_last_good_price_and_records_the_error(monkeypatch, db):
    upstream = sandbox_upstream(monkeypatch)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        wholesale_pricing_refresh()

    with time_machine.travel(start + timedelta(hours=2), tick=False), inject(status=503, path="/x402/pricing"):
        wholesale_pricing_refresh()

    assert wholesale_pricing_cached()["fetched_at"] == start
    assert wholesale_pricing_cached()["per_gb"] == Decimal(4)
    assert wholesale_pricing_error()
    assert upstream.calls["pricing"] == 2


def test_a_failed_refresh_is_not_retried_within_the_minute(monkeypatch, db):
    upstream = sandbox_upstream(monkeypatch)

    with inject(status=503, path="/x402/pricing"):
        wholesale_pricing_refresh()
        wholesale_pricing_refresh()

    assert upstream.calls["pricing"] == 1
    assert wholesale_pricing_cached() is None
    assert wholesale_pricing_error()
