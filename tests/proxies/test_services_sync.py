"""Mirroring the upstream: one key, and every key with one list call and batched writes."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.core.models import AuditEntry
from apps.proxies.models import PoolKey, PoolKeyStatus
from apps.proxies.services import pool_key_delete, pool_key_label_for, pool_key_mint, pool_key_sync, pool_key_sync_all
from apps.proxies.upstream.errors import UpstreamAuthError, UpstreamUnavailable
from apps.sandbox.upstream.faults import inject
from tests.factories import StaffFactory, UserFactory
from tests.proxies.factories import PoolKeyFactory, pool_keys_bulk_create
from tests.proxies.fakes import FakePoolGatewayClient, sandbox_upstream, use_traffic, use_upstream

pytestmark = pytest.mark.django_db


@pytest.fixture
def upstream(monkeypatch):
    return sandbox_upstream(monkeypatch)


def _mint(customer=None, *, ref="1", cap_gb=Decimal(10)):
    customer = customer or UserFactory()
    return pool_key_mint(
        customer=customer,
        label=pool_key_label_for(customer=customer, order_ref=ref),
        cap_gb=cap_gb,
        expires_at=None,
        idempotency_key=f"order-{ref}-mint",
    )


def _entries(action):
    return list(AuditEntry.objects.filter(action=action))


# One key --------------------------------------------------------------------------------------


def test_sync_refreshes_usage_and_last_used_from_the_upstream(upstream):
    key = _mint()
    synced_before = key.last_synced_at
    use_traffic(mb=500)
    record = upstream.client.get_key(key.upstream_id)

    pool_key_sync(key=key)

    stored = PoolKey.objects.get(pk=key.pk)
    assert stored.used_mb == record.traffic_used_mb > 0
    assert stored.last_used_at == record.last_used_at
    assert stored.last_synced_at > synced_before
    assert _entries("pool_key.sync") == []  # a routine refresh is not audited


def test_sync_mirrors_an_auto_suspend_at_cap(upstream):
    key = _mint(cap_gb=Decimal(1))
    use_traffic(mb=3000)

    pool_key_sync(key=key)

    assert key.enabled is False
    assert key.status == PoolKeyStatus.SUSPENDED_CAP


def test_sync_by_an_operator_is_audited(upstream):
    key = _mint()
    operator = StaffFactory()

    pool_key_sync(key=key, actor=operator, reason="customer says usage is wrong")

    [entry] = _entries("pool_key.sync")
    assert (entry.actor, entry.customer, entry.target_id) == (operator, key.customer, str(key.pk))
    assert entry.reason == "customer says usage is wrong"


def test_sync_of_a_key_gone_upstream_marks_it_missing_once_and_keeps_the_row(upstream):
    key = _mint()
    upstream.client.delete_key(key.upstream_id, idempotency_key="behind-the-shops-back")

    pool_key_sync(key=key)
    pool_key_sync(key=key)

    stored = PoolKey.objects.get(pk=key.pk)
    assert stored.missing_upstream is True
    assert stored.deleted_at is None
    assert stored.status == PoolKeyStatus.MISSING
    assert len(_entries("pool_key.missing_upstream")) == 1


def test_sync_propagates_other_upstream_errors_and_leaves_the_mirror(upstream):
    key = _mint()
    before = PoolKey.objects.values().get(pk=key.pk)

    with inject(status=401, times=1), pytest.raises(UpstreamAuthError):
        pool_key_sync(key=key)

    assert PoolKey.objects.values().get(pk=key.pk) == before


# All keys -------------------------------------------------------------------------------------


def test_sync_all_mirrors_every_key_with_one_list_call(upstream):
    keys = [_mint(ref=str(n)) for n in range(4)]
    use_traffic(mb=200)
    upstream.calls.clear()

    result = pool_key_sync_all()

    assert upstream.calls == {"list_keys": 1}
    assert result.upstream_total == 4
    assert result.updated == 4
    assert result.marked_missing == 0
    for key in keys:
        stored = PoolKey.objects.get(pk=key.pk)
        assert stored.used_mb == upstream.client.get_key(key.upstream_id).traffic_used_mb > 0


def test_sync_all_marks_keys_missing_upstream_without_deleting_them(upstream):
    kept, gone = _mint(ref="1"), _mint(ref="2")
    deleted_here = _mint(ref="3")
    pool_key_delete(key=deleted_here, idempotency_key="op-delete-3-abc")
    upstream.client.delete_key(gone.upstream_id, idempotency_key="behind-the-shops-back")

    result = pool_key_sync_all()

    assert result.marked_missing == 1
    assert PoolKey.objects.get(pk=gone.pk).missing_upstream is True
    assert PoolKey.objects.get(pk=kept.pk).missing_upstream is False
    assert PoolKey.objects.get(pk=deleted_here.pk).missing_upstream is False  # deleted, not missing
    assert PoolKey.objects.count() == 3
    [entry] = _entries("pool_key.sync_all")
    assert entry.data["marked_missing"] == 1
    assert entry.data["missing_upstream_ids"] == [gone.upstream_id]

    again = pool_key_sync_all()
    assert (again.marked_missing, again.still_missing) == (0, 1)


def test_sync_all_counts_unchanged_keys_and_keys_not_mirrored(upstream):
    _mint(ref="1")
    upstream.client.create_key(
        label="made-by-hand", traffic_cap_gb=None, expires_at=None, idempotency_key="by-hand-0001"
    )
    pool_key_sync_all()

    result = pool_key_sync_all()

    assert result.upstream_total == 2
    assert result.unchanged == 1
    assert result.updated == 0
    assert result.unmirrored_upstream == 1


def test_sync_all_leaves_rows_written_after_the_list_call_started(monkeypatch, db):
    fake = FakePoolGatewayClient()
    use_upstream(monkeypatch, fake)
    newer = PoolKeyFactory(upstream_id="pk_newer")
    fake.add(id="pk_newer", traffic_used_mb=Decimal(999))
    minted_meanwhile = PoolKeyFactory(upstream_id="pk_meanwhile")  # not in the list reply
    future = timezone.now() + timedelta(minutes=5)
    PoolKey.objects.filter(pk=newer.pk).update(last_synced_at=future)
    PoolKey.objects.filter(pk=minted_meanwhile.pk).update(created_at=future, last_synced_at=future)

    result = pool_key_sync_all()

    assert result.skipped_recent == 2
    assert PoolKey.objects.get(pk=newer.pk).used_mb == 0
    assert PoolKey.objects.get(pk=minted_meanwhile.pk).missing_upstream is False


def test_sync_all_brings_back_a_key_that_was_missing(monkeypatch, db):
    fake = FakePoolGatewayClient()
    use_upstream(monkeypatch, fake)
    key = PoolKeyFactory(
        upstream_id="pk_back", missing_upstream=True, last_synced_at=timezone.now() - timedelta(hours=1)
    )
    fake.add(id="pk_back", traffic_used_mb=Decimal(10))

    result = pool_key_sync_all()

    assert result.recovered == 1
    key.refresh_from_db()
    assert key.missing_upstream is False
    assert key.used_mb == Decimal(10)


def test_sync_all_skips_a_record_the_mirror_cannot_hold_without_marking_it_missing(monkeypatch, db):
    fake = FakePoolGatewayClient()
    use_upstream(monkeypatch, fake)
    bad = PoolKeyFactory(upstream_id="pk_bad", last_synced_at=None)
    good = PoolKeyFactory(upstream_id="pk_good", last_synced_at=None)
    fake.add(id="pk_bad", traffic_used_mb=Decimal(-5))
    fake.add(id="pk_good", traffic_used_mb=Decimal(5))

    result = pool_key_sync_all()

    assert (result.invalid, result.updated, result.marked_missing) == (1, 1, 0)
    bad.refresh_from_db()
    assert (bad.used_mb, bad.missing_upstream, bad.last_synced_at) == (0, False, None)
    assert PoolKey.objects.get(pk=good.pk).used_mb == Decimal(5)


def test_sync_all_propagates_an_upstream_failure_and_changes_nothing(upstream):
    key = _mint()
    before = PoolKey.objects.values().get(pk=key.pk)

    with inject(status=503, times=None), pytest.raises(UpstreamUnavailable):
        pool_key_sync_all()

    assert PoolKey.objects.values().get(pk=key.pk) == before
    assert _entries("pool_key.sync_all") == []


def test_sync_all_of_10000_keys_is_one_list_call_and_a_bounded_number_of_queries(
    monkeypatch, db, django_assert_max_num_queries
):
    fake = FakePoolGatewayClient()
    use_upstream(monkeypatch, fake)
    pool_keys_bulk_create(count=10_000, customers=UserFactory.create_batch(5), tag_prefix="t")
    long_ago = timezone.now() - timedelta(hours=1)  # the rows were synced before this
    for n in range(9_900):  # 100 keys are gone upstream
        fake.add(id=f"pk_{n:05d}", label=f"k{n}", traffic_used_mb=Decimal(n % 3), traffic_cap_gb=Decimal(10))

    # 1 read + (changed/500 bulk updates, each a few statements) + unchanged/500 + missing/500 + audit
    with django_assert_max_num_queries(120):
        result = pool_key_sync_all()

    assert fake.calls == {"list_keys": 1}
    assert result.upstream_total == 9_900
    assert result.updated == 6_600  # usage 1 or 2 MB
    assert result.unchanged == 3_300  # usage 0 MB, as mirrored
    assert result.marked_missing == 100
    assert PoolKey.objects.filter(missing_upstream=True).count() == 100
    assert PoolKey.objects.get(upstream_id="pk_00002").used_mb == Decimal(2)
    assert PoolKey.objects.filter(last_synced_at__gt=long_ago, missing_upstream=False).count() == 9_900
