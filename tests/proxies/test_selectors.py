"""Selectors over the mirror: ownership, usage levels, expiry states, statuses."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from apps.core.errors import NotFound
from apps.proxies.models import PoolKeyStatus
from apps.proxies.selectors import (
    ExpiryState,
    UsageLevel,
    pool_key_current_for_customer,
    pool_key_get_for_customer,
    pool_key_list_for_customer,
    pool_key_usage,
)
from tests.factories import UserFactory
from tests.proxies.factories import PoolKeyFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def _mb(gb) -> Decimal:
    return Decimal(gb) * 1024


# Ownership ------------------------------------------------------------------------------------


def test_list_for_customer_returns_only_their_live_keys_newest_first():
    alice, bob = UserFactory(), UserFactory()
    older = PoolKeyFactory(customer=alice)
    newer = PoolKeyFactory(customer=alice)
    PoolKeyFactory(customer=alice, deleted_at=timezone.now())
    PoolKeyFactory(customer=bob)

    assert list(pool_key_list_for_customer(customer=alice)) == [newer, older]
    assert pool_key_current_for_customer(customer=alice) == newer


def test_current_for_customer_is_none_without_keys():
    assert pool_key_current_for_customer(customer=UserFactory()) is None


def test_get_for_customer_returns_own_key():
    key = PoolKeyFactory()
    assert pool_key_get_for_customer(customer=key.customer, key_id=key.pk) == key
    assert pool_key_get_for_customer(customer=key.customer, key_id=str(key.pk)) == key


@pytest.mark.parametrize("key_id", ["abc", None, "1; drop table", "", "1.5"])
def test_get_for_customer_malformed_id_is_not_found(key_id):
    key = PoolKeyFactory()
    with pytest.raises(NotFound):
        pool_key_get_for_customer(customer=key.customer, key_id=key_id)


def test_get_for_customer_hides_another_customers_key():
    key = PoolKeyFactory()
    with pytest.raises(NotFound):
        pool_key_get_for_customer(customer=UserFactory(), key_id=key.pk)


def test_get_for_customer_hides_deleted_key():
    key = PoolKeyFactory(deleted_at=timezone.now())
    with pytest.raises(NotFound):
        pool_key_get_for_customer(customer=key.customer, key_id=key.pk)


# Usage levels ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("used_gb", "level", "percent"),
    [
        ("0", UsageLevel.OK, "0.0"),
        ("7.99", UsageLevel.OK, "79.9"),
        ("8", UsageLevel.WARN, "80.0"),
        ("9.49", UsageLevel.WARN, "94.9"),
        ("9.5", UsageLevel.CRITICAL, "95.0"),
        ("10", UsageLevel.CRITICAL, "100.0"),
        ("12.5", UsageLevel.CRITICAL, "125.0"),
    ],
)
def test_usage_level_thresholds_at_80_and_95_percent(used_gb, level, percent):
    key = PoolKeyFactory(cap_gb=Decimal(10), used_mb=_mb(used_gb))

    usage = pool_key_usage(key=key)

    assert usage.level == level
    assert usage.percent == Decimal(percent)
    assert usage.unlimited is False


def test_usage_bar_is_clamped_to_100_and_remaining_never_negative():
    usage = pool_key_usage(key=PoolKeyFactory(cap_gb=Decimal(10), used_mb=_mb(12)))
    assert usage.bar_percent == 100
    assert usage.remaining_gb == Decimal("0.00")


def test_usage_reports_used_and_remaining_gb():
    usage = pool_key_usage(key=PoolKeyFactory(cap_gb=Decimal(10), used_mb=Decimal(2560)))
    assert usage.used_gb == Decimal("2.50")
    assert usage.cap_gb == Decimal(10)
    assert usage.remaining_gb == Decimal("7.50")
    assert usage.bar_percent == 25


def test_unlimited_key_has_no_percent_and_is_ok():
    usage = pool_key_usage(key=PoolKeyFactory(cap_gb=None, used_mb=_mb(5000)))
    assert usage.unlimited is True
    assert usage.percent is None
    assert usage.cap_gb is None
    assert usage.remaining_gb is None
    assert usage.level == UsageLevel.OK
    assert usage.used_gb == Decimal("5000.00")


# Expiry states --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expires_in", "state", "days_left"),
    [
        (None, ExpiryState.NONE, None),
        (timedelta(days=30), ExpiryState.OK, 30),
        (timedelta(days=7, seconds=1), ExpiryState.OK, 7),
        (timedelta(days=7), ExpiryState.SOON, 7),
        (timedelta(hours=3), ExpiryState.SOON, 0),
        (timedelta(0), ExpiryState.EXPIRED, 0),
        (-timedelta(days=2), ExpiryState.EXPIRED, 0),
    ],
)
def test_expiry_state_none_ok_soon_within_7_days_expired(expires_in, state, days_left):
    key = PoolKeyFactory(expires_at=NOW + expires_in if expires_in is not None else None)

    usage = pool_key_usage(key=key, now=NOW)

    assert usage.expiry_state == state
    assert usage.days_left == days_left


# Freshness ------------------------------------------------------------------------------------


def test_usage_as_of_is_last_synced_and_not_stale_by_default():
    synced = NOW - timedelta(minutes=3)
    usage = pool_key_usage(key=PoolKeyFactory(last_synced_at=synced), now=NOW)
    assert usage.as_of == synced
    assert usage.stale is False


def test_usage_of_a_key_never_read_upstream_is_stale():
    assert pool_key_usage(key=PoolKeyFactory(last_synced_at=None)).stale is True


def test_usage_stale_flag_is_passed_through():
    assert pool_key_usage(key=PoolKeyFactory(), stale=True).stale is True


# Statuses -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({}, PoolKeyStatus.ACTIVE),
        ({"cap_gb": None, "used_mb": _mb(999)}, PoolKeyStatus.ACTIVE),
        ({"used_mb": _mb(8)}, PoolKeyStatus.NEAR_CAP),
        ({"used_mb": _mb(10), "enabled": False}, PoolKeyStatus.SUSPENDED_CAP),
        ({"expires_at": NOW - timedelta(seconds=1)}, PoolKeyStatus.EXPIRED),
        ({"expires_at": NOW - timedelta(days=1), "enabled": False}, PoolKeyStatus.EXPIRED),
        ({"enabled": False}, PoolKeyStatus.DISABLED),
        ({"enabled": False, "disabled_by_operator": True, "used_mb": _mb(10)}, PoolKeyStatus.DISABLED),
        ({"missing_upstream": True}, PoolKeyStatus.MISSING),
        ({"deleted_at": NOW}, PoolKeyStatus.DELETED),
    ],
)
def test_status_is_derived_most_important_first(fields, status):
    key = PoolKeyFactory(**{"cap_gb": Decimal(10), **fields})
    with time_machine.travel(NOW, tick=False):
        assert key.status == status
        assert pool_key_usage(key=key).status == status


def test_secret_hint_shows_only_last_four():
    assert PoolKeyFactory(secret_last4="9f3c").secret_hint == "pak_••••9f3c"


def test_session_tags_are_short_unique_lowercase_slugs():
    tags = {PoolKeyFactory().session_tag for _ in range(20)}
    assert len(tags) == 20
    assert all(len(tag) == 8 and tag.isalnum() and tag == tag.lower() for tag in tags)
