"""The all-keys sync's two write paths: set-based on PostgreSQL (a fixed number of statements,
only the due rows written), batched ORM writes elsewhere, with the same change detection."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.core.models import AuditEntry
from apps.proxies.models import PoolKey
from apps.proxies.services import pool_key_sync_all
from apps.proxies.services.sync import mirror_fields_from_reply
from apps.proxies.services.sync_bulk import mirror_write_batched, mirror_write_set_based
from tests.factories import UserFactory
from tests.proxies.factories import PoolKeyFactory, pool_keys_bulk_create
from tests.proxies.fakes import FakePoolGatewayClient, use_upstream

pytestmark = pytest.mark.django_db

LONG_AGO = timedelta(hours=1)


def _shop_of(count: int, fake: FakePoolGatewayClient) -> None:
    """`count` mirrored keys: a third used traffic, one in ten is gone upstream, the rest as mirrored."""
    pool_keys_bulk_create(count=count, customers=UserFactory.create_batch(2), tag_prefix=f"n{count}")
    for n in range(count):
        if n % 10 == 9:
            continue
        fake.add(id=f"pk_{n:05d}", label=f"k{n}", traffic_cap_gb=Decimal(10), traffic_used_mb=Decimal(n % 3))


def _sync_queries(monkeypatch, count: int) -> int:
    fake = FakePoolGatewayClient()
    use_upstream(monkeypatch, fake)
    _shop_of(count, fake)
    with CaptureQueriesContext(connection) as queries:
        result = pool_key_sync_all(batch_size=50)
    assert result.updated == sum(1 for n in range(count) if n % 10 != 9 and n % 3)
    assert result.marked_missing == count // 10
    PoolKey.objects.all().delete()
    return len(queries)


@pytest.mark.postgres
def test_sync_all_issues_the_same_number_of_statements_for_10_and_200_keys(monkeypatch, django_assert_max_num_queries):
    for_ten = _sync_queries(monkeypatch, 10)
    fake = FakePoolGatewayClient()
    use_upstream(monkeypatch, fake)
    _shop_of(200, fake)

    # batch_size only shapes the portable path; the set-based one does not loop over rows
    with django_assert_max_num_queries(for_ten):
        result = pool_key_sync_all(batch_size=50)

    assert for_ten <= 16  # 12 for the sync, plus the status snapshots and the outbox rows of status events
    assert (result.upstream_total, result.unchanged, result.marked_missing) == (180, 60, 20)
    assert fake.calls == {"list_keys": 1}


def _ctids() -> dict[int, str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, ctid::text FROM {PoolKey._meta.db_table}")  # noqa: S608
        return dict(cursor.fetchall())


@pytest.mark.postgres
def test_set_based_sync_writes_exactly_the_due_rows_and_mirrored_fields_only_where_they_changed(monkeypatch):
    fake = FakePoolGatewayClient()
    use_upstream(monkeypatch, fake)
    long_ago = timezone.now() - LONG_AGO
    rows = {
        name: PoolKeyFactory(upstream_id=f"pk_{name}", label=name, last_synced_at=long_ago)
        for name in ("used", "same", "gone", "recent", "unreadable", "deleted", "still_gone", "held", "back")
    }
    PoolKey.objects.filter(pk=rows["deleted"].pk).update(deleted_at=long_ago)
    PoolKey.objects.filter(pk=rows["still_gone"].pk).update(missing_upstream=True)
    PoolKey.objects.filter(pk=rows["held"].pk).update(disabled_by_operator=True, enabled=False)
    PoolKey.objects.filter(pk=rows["back"].pk).update(missing_upstream=True)
    PoolKey.objects.filter(pk=rows["recent"].pk).update(last_synced_at=timezone.now() + LONG_AGO)
    PoolKey.objects.update(updated_at=long_ago)
    for name in ("used", "same", "recent", "deleted", "held", "back"):
        fake.add(id=f"pk_{name}", label=name, traffic_used_mb=Decimal(0), traffic_cap_gb=Decimal(10))
    fake.add(id="pk_used", label="used", traffic_used_mb=Decimal("12.5"), traffic_cap_gb=Decimal(10))
    fake.add(id="pk_recent", label="recent", traffic_used_mb=Decimal(99), traffic_cap_gb=Decimal(10))
    fake.add(id="pk_unreadable", label="unreadable", traffic_used_mb=Decimal(-1))
    fake.add(id="pk_elsewhere")
    before = _ctids()
    values_before = {row["id"]: row for row in PoolKey.objects.values()}

    result = pool_key_sync_all()

    after = {row["id"]: row for row in PoolKey.objects.values()}
    written = {name for name, row in rows.items() if _ctids()[row.pk] != before[row.pk]}
    assert written == {"used", "same", "gone", "held", "back"}
    moved = {name for name, row in rows.items() if after[row.pk]["updated_at"] != values_before[row.pk]["updated_at"]}
    assert moved == {"used", "gone", "held", "back"}  # "same" got last_synced_at only
    same_before, same_after = values_before[rows["same"].pk], after[rows["same"].pk]
    assert same_after["last_synced_at"] > same_before["last_synced_at"]
    assert {**same_after, "last_synced_at": None} == {**same_before, "last_synced_at": None}
    assert after[rows["used"].pk]["used_mb"] == Decimal("12.5")
    assert (after[rows["held"].pk]["enabled"], after[rows["held"].pk]["disabled_by_operator"]) == (True, False)
    assert after[rows["back"].pk]["missing_upstream"] is False
    assert after[rows["gone"].pk]["missing_upstream"] is True
    assert after[rows["recent"].pk]["used_mb"] == 0
    assert (result.updated, result.unchanged, result.marked_missing) == (3, 1, 1)
    assert (result.recovered, result.still_missing, result.skipped_recent) == (1, 1, 1)
    assert (result.invalid, result.unmirrored_upstream) == (1, 2)  # pk_elsewhere, and pk_deleted's row is deleted
    [entry] = AuditEntry.objects.filter(action="pool_key.sync_all")
    assert entry.data["missing_upstream_ids"] == ["pk_gone"]


def _mixed_shop(fake: FakePoolGatewayClient) -> None:
    """Every case the change detection distinguishes, on a few keys each."""
    long_ago = timezone.now() - LONG_AGO
    customer = UserFactory()
    for n in range(60):
        key = PoolKeyFactory(
            customer=customer,
            upstream_id=f"pk_mix_{n:02d}",
            label=f"mix {n}",
            cap_gb=None if n % 9 == 0 else Decimal(10),
            used_mb=Decimal(n % 4),
            expires_at=long_ago + timedelta(days=n % 3),
            last_synced_at=None if n % 11 == 0 else long_ago,
            missing_upstream=n % 7 == 0,
            disabled_by_operator=n % 8 == 0,
            enabled=n % 8 != 0,
        )
        PoolKey.objects.filter(pk=key.pk).update(created_at=long_ago, deleted_at=long_ago if n % 13 == 5 else None)
        if n % 17 == 3:  # written after the list call started
            PoolKey.objects.filter(pk=key.pk).update(last_synced_at=timezone.now() + LONG_AGO)
        if n % 6 == 5:
            continue  # gone upstream
        fake.add(
            id=key.upstream_id,
            label=f"renamed {n}" if n % 10 == 1 else key.label,
            traffic_cap_gb=Decimal("10.0004") if key.cap_gb else None,  # 10.000 once rounded: unchanged
            traffic_used_mb=Decimal(-1) if n % 19 == 2 else Decimal(n % 4) + Decimal(2 if n % 10 == 2 else 0),
            enabled=key.enabled != (n % 10 == 3),
            expires_at=key.expires_at + timedelta(days=n % 10 == 4),
            last_used_at=long_ago if n % 10 == 6 else None,
        )
    fake.add(id="pk_mix_bad", traffic_used_mb=Decimal(10) ** 13)


@pytest.mark.postgres
def test_set_based_and_batched_paths_agree_on_every_case(monkeypatch):
    fake = FakePoolGatewayClient()
    _mixed_shop(fake)
    seen, fresh, invalid = mirror_fields_from_reply(fake.list_keys())
    started = timezone.now()
    now = started + timedelta(seconds=1)
    outcomes, states = [], []
    for write in (
        lambda: mirror_write_set_based(seen=seen, fresh=fresh, started=started, now=now),
        lambda: mirror_write_batched(seen=seen, fresh=fresh, started=started, now=now, batch_size=7),
    ):
        with transaction.atomic():
            outcomes.append(write())
            states.append(list(PoolKey.objects.order_by("pk").values()))
            transaction.set_rollback(True)

    assert invalid == 4
    assert outcomes[0] == outcomes[1]
    assert states[0] == states[1]
    counts = [value for name, value in vars(outcomes[0]).items() if name != "missing_ids"]
    assert all(counts), outcomes[0]  # every case occurred


@pytest.mark.postgres
def test_both_paths_write_the_same_audit_entry_through_the_whole_sync(monkeypatch):
    from types import SimpleNamespace

    from apps.proxies.services import sync as sync_module

    fake = FakePoolGatewayClient()
    use_upstream(monkeypatch, fake)
    _mixed_shop(fake)
    entries, states = [], []
    for vendor in ("postgresql", "portable"):
        with transaction.atomic(), monkeypatch.context() as patched:
            if vendor != "postgresql":
                patched.setattr(sync_module, "connection", SimpleNamespace(vendor=vendor))
            pool_key_sync_all(batch_size=7)
            entry = AuditEntry.objects.get(action="pool_key.sync_all")
            entries.append({name: value for name, value in entry.data.items() if name != "started_at"})
            states.append(
                list(PoolKey.objects.order_by("pk").values_list("upstream_id", "label", "used_mb", "missing_upstream"))
            )
            transaction.set_rollback(True)

    assert entries[0] == entries[1]
    assert entries[0]["updated"] and entries[0]["marked_missing"]
    assert states[0] == states[1]


def test_a_record_larger_than_the_mirror_holds_is_skipped_not_a_failed_sync(monkeypatch):
    fake = FakePoolGatewayClient()
    use_upstream(monkeypatch, fake)
    huge = PoolKeyFactory(upstream_id="pk_huge", last_synced_at=None)
    fine = PoolKeyFactory(upstream_id="pk_fine", last_synced_at=None)
    fake.add(id="pk_huge", traffic_used_mb=Decimal(10) ** 12)
    fake.add(id="pk_fine", traffic_used_mb=Decimal(5))

    result = pool_key_sync_all()

    assert (result.invalid, result.updated, result.marked_missing) == (1, 1, 0)
    huge.refresh_from_db()
    assert (huge.used_mb, huge.missing_upstream, huge.last_synced_at) == (0, False, None)
    assert PoolKey.objects.get(pk=fine.pk).used_mb == Decimal(5)


def test_records_the_database_cannot_store_as_given_do_not_fail_the_sync(monkeypatch):
    fake = FakePoolGatewayClient()
    use_upstream(monkeypatch, fake)
    key = PoolKeyFactory(upstream_id="pk_nul", label="before")
    fake.add(id="pk_nul", label="a\x00b")
    fake.add(id="pk_\x00bad")
    fake.add(id="pk_" + "x" * 100)

    result = pool_key_sync_all()

    assert (result.updated, result.invalid, result.unmirrored_upstream) == (1, 1, 1)
    assert PoolKey.objects.get(pk=key.pk).label == "ab"
