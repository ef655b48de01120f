"""The overview's wholesale price: a pure read of the proxies' pricing cache, never an upstream
call; stale and failed readings are marked, never an error page."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from apps.console.selectors import operator_overview, overview_period, wholesale_price_get
from apps.proxies.services.pricing import wholesale_pricing_refresh
from apps.sandbox.upstream.faults import inject
from tests.proxies.fakes import sandbox_upstream

pytestmark = pytest.mark.django_db


def test_the_overview_selectors_never_call_the_upstream(monkeypatch):
    upstream = sandbox_upstream(monkeypatch)

    overview = operator_overview(period=overview_period(name="30d"))

    assert sum(upstream.calls.values()) == 0
    assert overview.wholesale.per_gb is None
    assert overview.wholesale.stale and overview.wholesale.error == "not read yet"
    assert overview.margins == []


def test_a_fresh_reading_is_shown_as_fresh(monkeypatch):
    sandbox_upstream(monkeypatch)
    wholesale_pricing_refresh()

    wholesale = wholesale_price_get()

    assert (wholesale.per_gb, wholesale.currency, wholesale.stale, wholesale.error) == (Decimal(4), "USDC", False, "")
    assert wholesale.margin_currency == "usd"


def test_an_old_reading_after_a_failure_is_shown_stale_with_the_error(monkeypatch):
    sandbox_upstream(monkeypatch)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        wholesale_pricing_refresh()

    with time_machine.travel(start + timedelta(hours=2), tick=False):
        with inject(status=503, path="/x402/pricing"):
            wholesale_pricing_refresh()
        wholesale = wholesale_price_get()

    assert (wholesale.per_gb, wholesale.fetched_at, wholesale.stale) == (Decimal(4), start, True)
    assert wholesale.error
