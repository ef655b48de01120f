"""Writing one list reply into the mirror: set-based on PostgreSQL, batched ORM writes elsewhere.

Both paths take the same input (every id the reply carried, and the mirror fields of each
readable record) and apply the same rules to every live row:

- written after the list call started (`last_synced_at` or `created_at` >= started): left
  alone, so a slower sync never overwrites a fresher top-up;
- in the reply, readable, with a mirrored field that differs: those fields, `updated_at` and
  `last_synced_at` are written (an enabled key also loses its operator hold);
- in the reply, readable, identical: only `last_synced_at` moves;
- in the reply but unreadable: untouched (neither missing nor updatable);
- not in the reply: marked `missing_upstream` (never deleted), once.
"""

# The SQL below is built from this module's constants and the model's table name only; every
# value travels as a bound parameter.
# ruff: noqa: S608

import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import connection, transaction

from apps.proxies.models import PoolKey

from .mirror import MIRROR_FIELDS

_LOAD_FIELDS = ("id", "upstream_id", "created_at", "last_synced_at", "disabled_by_operator", *MIRROR_FIELDS)
# Any constant: two syncs on PostgreSQL take turns rather than lock the same rows in two orders.
_SYNC_LOCK_ID = 0x5F_5359_4E43


def sync_lock_take() -> None:
    """Held until the surrounding transaction ends: one all-keys sync at a time on PostgreSQL."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_SYNC_LOCK_ID])


@dataclass
class SyncOutcome:
    updated: int = 0
    unchanged: int = 0
    marked_missing: int = 0
    still_missing: int = 0
    recovered: int = 0
    skipped_recent: int = 0
    unmirrored_upstream: int = 0
    missing_ids: list[str] = field(default_factory=list)  # newly marked, in pk order


# Portable: one read, then batched ORM writes (SQLite, the embedded default) --------------------


def _chunks[T](items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def mirror_write_batched(
    *, seen: set[str], fresh: dict[str, dict], started: datetime, now: datetime, batch_size: int
) -> SyncOutcome:
    """Diffs in Python, then bulk_update of the changed columns of changed rows (grouped by which
    columns changed: most syncs change usage and nothing else), a plain UPDATE of last_synced_at
    for the rows confirmed, another for rows gone upstream. Statements grow with rows / batch_size."""
    out = SyncOutcome()
    changed: dict[tuple[str, ...], list[PoolKey]] = defaultdict(list)
    synced: list[int] = []
    newly_missing: list[PoolKey] = []
    rows = list(PoolKey.objects.live().only(*_LOAD_FIELDS).order_by("pk"))
    for row in rows:
        if (row.last_synced_at and row.last_synced_at >= started) or row.created_at >= started:
            out.skipped_recent += 1
            continue
        if row.upstream_id not in seen:
            if row.missing_upstream:
                out.still_missing += 1
            else:
                newly_missing.append(row)
            continue
        fields = fresh.get(row.upstream_id)
        if fields is None:
            continue
        if row.missing_upstream:
            out.recovered += 1
        if fields["enabled"]:
            fields = {**fields, "disabled_by_operator": False}
        diff = tuple(name for name, value in fields.items() if getattr(row, name) != value)
        for name in diff:
            setattr(row, name, fields[name])
        if diff:
            changed[diff].append(row)
            out.updated += 1
        else:
            out.unchanged += 1
        synced.append(row.pk)

    for names, group in changed.items():
        for batch in _chunks(group, batch_size):
            with transaction.atomic():
                PoolKey.objects.bulk_update(batch, names, batch_size=batch_size)
                PoolKey.objects.filter(pk__in=[row.pk for row in batch]).update(updated_at=now)
    for pks in _chunks(synced, batch_size):
        PoolKey.objects.filter(pk__in=pks).update(last_synced_at=now)
    for batch in _chunks(newly_missing, batch_size):
        out.marked_missing += PoolKey.objects.filter(pk__in=[row.pk for row in batch], missing_upstream=False).update(
            missing_upstream=True, updated_at=now
        )
    out.missing_ids = [row.upstream_id for row in newly_missing]
    out.unmirrored_upstream = len(seen - {row.upstream_id for row in rows})
    return out


# PostgreSQL: stage the reply in a temporary table, then UPDATE ... FROM it ---------------------

_STAGE = "proxies_sync_upstream"
_COLUMNS = (
    ("upstream_id", "text"),  # longer than the mirror's ids: staged, then simply matches no row
    ("valid", "boolean"),
    ("label", "varchar(200)"),
    ("cap_gb", "numeric(12,3)"),
    ("used_mb", "numeric(15,3)"),
    ("enabled", "boolean"),
    ("expires_at", "timestamptz"),
    ("last_used_at", "timestamptz"),
)
_COLUMN_LIST = ", ".join(f"{name} {kind}" for name, kind in _COLUMNS)
# Written after the list call started (never NULL: created_at is required).
_RECENT = "(p.created_at >= %(started)s OR (p.last_synced_at IS NOT NULL AND p.last_synced_at >= %(started)s))"
_DUE = f"p.deleted_at IS NULL AND NOT {_RECENT}"
# A mirrored field differs (missing_upstream is always false upstream; enabled lifts the hold).
_DIFFERS = (
    "(p.label IS DISTINCT FROM u.label OR p.cap_gb IS DISTINCT FROM u.cap_gb"
    " OR p.used_mb IS DISTINCT FROM u.used_mb OR p.enabled IS DISTINCT FROM u.enabled"
    " OR p.expires_at IS DISTINCT FROM u.expires_at OR p.last_used_at IS DISTINCT FROM u.last_used_at"
    " OR p.missing_upstream OR (u.enabled AND p.disabled_by_operator))"
)


def _json_value(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot stage {type(value).__name__}")


def _staged(seen: set[str], fresh: dict[str, dict]) -> str:
    rows = []
    for upstream_id in seen:
        fields = fresh.get(upstream_id)
        row = {"upstream_id": upstream_id, "valid": fields is not None}
        if fields is not None:
            row.update({name: fields[name] for name in MIRROR_FIELDS if name != "missing_upstream"})
        rows.append(row)
    return json.dumps(rows, default=_json_value)


def mirror_write_set_based(*, seen: set[str], fresh: dict[str, dict], started: datetime, now: datetime) -> SyncOutcome:
    """A fixed number of statements whatever the number of keys, in one transaction: stage the
    reply (one INSERT from a JSON document), count what cannot be read off the writes, then one
    UPDATE for the changed rows, one for the confirmed rows and one for the rows gone upstream.
    Each UPDATE re-checks that its row is still due, so a top-up committed meanwhile wins."""
    table = connection.ops.quote_name(PoolKey._meta.db_table)
    params = {"started": started, "now": now}
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        sync_lock_take()  # re-entrant: pool_key_sync_all already holds it
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{_STAGE}")  # left over in an outer transaction
        cursor.execute(f"CREATE TEMPORARY TABLE {_STAGE} ({_COLUMN_LIST}, PRIMARY KEY (upstream_id)) ON COMMIT DROP")
        cursor.execute(
            f"INSERT INTO {_STAGE} SELECT * FROM jsonb_to_recordset(%s::jsonb) AS r({_COLUMN_LIST})",
            [_staged(seen, fresh)],
        )
        cursor.execute(f"ANALYZE {_STAGE}")  # temporary tables get no statistics otherwise
        cursor.execute(
            f"SELECT count(*) FILTER (WHERE {_RECENT}),"
            f" count(*) FILTER (WHERE {_DUE} AND u.upstream_id IS NULL AND p.missing_upstream),"
            f" count(*) FILTER (WHERE {_DUE} AND u.valid AND p.missing_upstream),"
            f" (SELECT count(*) FROM {_STAGE} s WHERE NOT EXISTS"
            f"  (SELECT 1 FROM {table} m WHERE m.upstream_id = s.upstream_id AND m.deleted_at IS NULL))"
            f" FROM {table} p LEFT JOIN {_STAGE} u ON u.upstream_id = p.upstream_id WHERE p.deleted_at IS NULL",
            params,
        )
        skipped_recent, still_missing, recovered, unmirrored = cursor.fetchone()
        cursor.execute(
            f"UPDATE {table} AS p SET label = u.label, cap_gb = u.cap_gb, used_mb = u.used_mb, enabled = u.enabled,"
            " expires_at = u.expires_at, last_used_at = u.last_used_at, missing_upstream = false,"
            " disabled_by_operator = p.disabled_by_operator AND NOT u.enabled,"
            " updated_at = %(now)s, last_synced_at = %(now)s"
            f" FROM {_STAGE} AS u WHERE u.upstream_id = p.upstream_id AND u.valid AND {_DUE} AND {_DIFFERS}",
            params,
        )
        updated = cursor.rowcount
        cursor.execute(
            f"UPDATE {table} AS p SET last_synced_at = %(now)s FROM {_STAGE} AS u"
            f" WHERE u.upstream_id = p.upstream_id AND u.valid AND {_DUE} AND NOT {_DIFFERS}",
            params,
        )
        unchanged = cursor.rowcount
        cursor.execute(
            f"UPDATE {table} AS p SET missing_upstream = true, updated_at = %(now)s"
            f" WHERE {_DUE} AND NOT p.missing_upstream"
            f" AND NOT EXISTS (SELECT 1 FROM {_STAGE} u WHERE u.upstream_id = p.upstream_id)"
            " RETURNING p.id, p.upstream_id",
            params,
        )
        missing = sorted(cursor.fetchall())
    return SyncOutcome(
        updated=updated,
        unchanged=unchanged,
        marked_missing=len(missing),
        still_missing=still_missing,
        recovered=recovered,
        skipped_recent=skipped_recent,
        unmirrored_upstream=unmirrored,
        missing_ids=[upstream_id for _pk, upstream_id in missing],
    )
