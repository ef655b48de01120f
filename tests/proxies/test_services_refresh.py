"""The dashboard's read-through refresh (a service the view calls before it reads) and the
dashboard selector: the mirror is refreshed from the upstream at most once per key per
POOL_KEY_REFRESH_SECONDS, a failing upstream never breaks the page, and the selector alone
never calls the upstream."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from apps.proxies.models import PoolKey, PoolKeyStatus
from apps.proxies.selectors import UsageLevel, pool_key_dashboard
from apps.proxies.services import pool_key_refresh_for_customer, pool_key_refresh_if_stale
from apps.sandbox.upstream.faults import inject
from tests.factories import UserFactory
from tests.proxies.fakes import sandbox_upstream, use_traffic

from .console_support import mint

pytestmark = pytest.mark.django_db

INTERVAL = 60


@pytest.fixture(autouse=True)
def _interval(settings):
    settings.POOL_KEY_REFRESH_SECONDS = INTERVAL


@pytest.fixture
def upstream(monkeypatch):
    return sandbox_upstream(monkeypatch)


@pytest.fixture
def traveller():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def page_load(customer):
    """What the dashboard view does: refresh the caller's keys when stale, then read."""
    pool_key_refresh_for_customer(customer=customer)
    return pool_key_dashboard(customer=customer)


def test_fresh_mirror_is_served_without_an_upstream_call(upstream, traveller):
    customer = UserFactory()
    key = mint(customer)
    upstream.calls.clear()

    [item] = page_load(customer)

    assert upstream.calls == {}
    assert item.key == key
    assert item.usage.stale is False
    assert item.usage.as_of == key.last_synced_at


def test_old_mirror_is_refreshed_once_per_interval(upstream, traveller):
    customer = UserFactory()
    key = mint(customer)
    use_traffic(mb=300)
    traveller.shift(timedelta(seconds=INTERVAL + 1))
    upstream.calls.clear()

    [item] = page_load(customer)
    assert upstream.calls == {"get_key": 1}
    assert item.usage.used_gb > 0
    assert item.usage.as_of == timezone.now()

    # Mirror made old again behind the service's back: the throttle alone holds the calls down.
    PoolKey.objects.filter(pk=key.pk).update(last_synced_at=timezone.now() - timedelta(hours=1))
    for _ in range(5):
        traveller.shift(timedelta(seconds=5))
        page_load(customer)
    assert upstream.calls == {"get_key": 1}

    traveller.shift(timedelta(seconds=INTERVAL))
    page_load(customer)
    assert upstream.calls == {"get_key": 2}


def test_each_key_is_refreshed_on_its_own(upstream, traveller):
    customer = UserFactory()
    mint(customer)
    mint(customer)
    mint(UserFactory())  # someone else's key is never read
    traveller.shift(timedelta(seconds=INTERVAL + 1))
    upstream.calls.clear()

    items = page_load(customer)
    page_load(customer)

    assert len(items) == 2
    assert upstream.calls == {"get_key": 2}


def test_failed_upstream_read_returns_the_stale_mirror(upstream, traveller):
    customer = UserFactory()
    key = mint(customer)
    synced = key.last_synced_at
    traveller.shift(timedelta(seconds=INTERVAL + 1))

    with inject(status=503, times=None):
        [item] = page_load(customer)
        assert item.usage.stale is True
        assert item.usage.as_of == synced
        assert item.key.status == PoolKeyStatus.ACTIVE

        # Within the interval: no new attempt, still reported stale.
        calls = upstream.calls["get_key"]
        traveller.shift(timedelta(seconds=10))
        [item] = page_load(customer)
        assert item.usage.stale is True
        assert upstream.calls["get_key"] == calls

    traveller.shift(timedelta(seconds=INTERVAL))
    [item] = page_load(customer)
    assert item.usage.stale is False
    assert item.usage.as_of == timezone.now()


def test_failed_read_on_a_network_drop_still_serves_the_page(upstream, traveller):
    customer = UserFactory()
    mint(customer)
    traveller.shift(timedelta(seconds=INTERVAL + 1))

    with inject(drop="reset", times=None):
        [item] = page_load(customer)

    assert item.usage.stale is True


def test_a_key_gone_upstream_shows_as_missing(upstream, traveller):
    customer = UserFactory()
    key = mint(customer)
    upstream.client.delete_key(key.upstream_id, idempotency_key="behind-the-shops-back")
    traveller.shift(timedelta(seconds=INTERVAL + 1))

    [item] = page_load(customer)

    assert item.usage.status == PoolKeyStatus.MISSING
    assert PoolKey.objects.get(pk=key.pk).missing_upstream is True


def test_dashboard_shows_levels_from_fresh_usage(upstream, traveller):
    customer = UserFactory()
    mint(customer, cap_gb=Decimal(1))
    use_traffic(mb=3000)  # past the cap: suspended upstream
    traveller.shift(timedelta(seconds=INTERVAL + 1))

    [item] = page_load(customer)

    assert item.usage.level == UsageLevel.CRITICAL
    assert item.usage.bar_percent == 100
    assert item.usage.status == PoolKeyStatus.SUSPENDED_CAP


def test_dashboard_of_a_customer_without_keys_is_empty(upstream):
    assert page_load(UserFactory()) == []
    assert upstream.calls == {}


def test_the_selector_alone_never_calls_the_upstream(upstream, traveller):
    customer = UserFactory()
    key = mint(customer)
    synced = key.last_synced_at
    traveller.shift(timedelta(hours=1))
    upstream.calls.clear()

    [item] = pool_key_dashboard(customer=customer)

    assert upstream.calls == {}
    assert item.usage.as_of == synced
    assert item.usage.stale is False  # old, but no refresh has failed


def test_refresh_if_stale_reads_an_old_key_once_and_skips_a_fresh_one(upstream, traveller):
    key = mint(UserFactory())
    upstream.calls.clear()

    assert pool_key_refresh_if_stale(key=key) is False  # just minted: fresh
    traveller.shift(timedelta(seconds=INTERVAL + 1))
    assert pool_key_refresh_if_stale(key=PoolKey.objects.get(pk=key.pk)) is True
    assert pool_key_refresh_if_stale(key=PoolKey.objects.get(pk=key.pk)) is False

    assert upstream.calls == {"get_key": 1}


def test_a_refresh_records_the_chart_reading_so_chart_and_card_agree(upstream, traveller):
    from apps.proxies.models import PoolKeyUsageSample

    customer = UserFactory()
    key = mint(customer)
    use_traffic(mb=300)
    traveller.shift(timedelta(seconds=INTERVAL + 1))

    page_load(customer)

    key.refresh_from_db()
    reading = PoolKeyUsageSample.objects.get(pool_key=key, day=timezone.now().date())
    assert key.used_mb > 0
    assert reading.last_used_mb == key.used_mb
