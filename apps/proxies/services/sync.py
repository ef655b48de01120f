"""Refreshing the mirror from the upstream: one key, or every key with one list call."""

import logging
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.utils import timezone

from apps.core.services import audit_log
from apps.proxies.models import PoolKey
from apps.proxies.upstream.errors import UpstreamBadResponse, UpstreamNotFound

from . import client
from .key_events import pool_key_status_events_since, pool_key_statuses
from .mirror import mirror_fields_from_record, pool_key_audit, pool_key_mark_missing, pool_key_mirror_apply
from .sync_bulk import mirror_write_batched, mirror_write_set_based, sync_lock_take

if TYPE_CHECKING:
    from apps.accounts.models import User

logger = logging.getLogger(__name__)

SYNC_BATCH_SIZE = 500
_AUDIT_SAMPLE = 50


@dataclass(frozen=True)
class PoolKeySyncResult:
    upstream_total: int = 0  # records in the list reply
    updated: int = 0  # mirror rows whose values changed
    unchanged: int = 0  # rows confirmed as they were (only last_synced_at moved)
    marked_missing: int = 0  # rows newly marked missing (not deleted)
    still_missing: int = 0
    recovered: int = 0  # rows marked missing before that are back upstream
    skipped_recent: int = 0  # rows written after the list call started (a fresher write wins)
    unmirrored_upstream: int = 0  # upstream keys with no live mirror (made elsewhere, or not adopted yet)
    invalid: int = 0  # records whose values the mirror cannot hold (logged)
    started_at: datetime | None = None

    def as_dict(self) -> dict:
        data = asdict(self)
        data["started_at"] = self.started_at.isoformat() if self.started_at else None
        return data


def pool_key_sync(*, key: PoolKey, actor: "User | None" = None, reason: str = "") -> PoolKey:
    """Reads one key upstream and refreshes its mirror; a 404 marks it missing (and returns it).
    Other upstream errors propagate. Routine refreshes are not audited (they would bury the
    log); an operator's "sync now" (an actor) and a key going missing or coming back are."""
    if key.deleted_at is not None:
        return key
    try:
        record = client.upstream_client().get_key(key.upstream_id)
    except UpstreamNotFound:
        newly_missing = pool_key_mark_missing(key=key, actor=actor, reason=reason)
        if actor is not None and not newly_missing:
            pool_key_audit(action="pool_key.sync", key=key, actor=actor, reason=reason, data={"missing_upstream": True})
        return key
    was_missing = key.missing_upstream
    with transaction.atomic():
        pool_key_mirror_apply(key=key, record=record)
        if actor is not None or was_missing:
            pool_key_audit(
                action="pool_key.sync",
                key=key,
                actor=actor,
                reason=reason,
                data={"recovered": was_missing, "used_mb": str(key.used_mb), "enabled": key.enabled},
            )
    return key


def mirror_fields_from_reply(records) -> tuple[set[str], dict[str, dict], int]:
    """Every id the reply carried, the mirror fields of each readable record, and how many were not."""
    seen: set[str] = set()
    fresh: dict[str, dict] = {}
    invalid = 0
    for record in records:
        if "\x00" in record.id:  # PostgreSQL text cannot hold it, and no mirror row can carry it
            invalid += 1
            logger.warning("pool key sync: skipped a record whose id holds a NUL character")
            continue
        seen.add(record.id)
        try:
            fresh[record.id] = mirror_fields_from_record(record)
        except UpstreamBadResponse as exc:
            invalid += 1
            logger.warning("pool key sync: skipped an unreadable record: %s (field %s)", exc.message, exc.field)
    return seen, fresh, invalid


def pool_key_sync_all(
    *, actor: "User | None" = None, reason: str = "", batch_size: int = SYNC_BATCH_SIZE
) -> PoolKeySyncResult:
    """Mirrors every key with ONE list call. On PostgreSQL the reply is staged in a temporary
    table and applied with a few set-based UPDATEs (a fixed number of statements whatever the
    number of keys); elsewhere (SQLite) with one read and writes batched by `batch_size`. Either
    way only rows whose mirrored fields changed are written, every row confirmed gets
    last_synced_at, rows gone upstream are marked (never deleted), and rows written after the
    list call started are left alone, so a slower sync never overwrites a fresher top-up. Safe to
    run concurrently."""
    started = timezone.now()
    records = client.upstream_client().list_keys()
    now = timezone.now()
    seen, fresh, invalid = mirror_fields_from_reply(records)
    # Statuses before, writes and status events in one transaction, the statuses read under the
    # sync lock and the rows' locks: a concurrent sync or single-key refresh that already
    # announced a change is seen as the status before, so no change is announced twice.
    with transaction.atomic():
        if connection.vendor == "postgresql":
            sync_lock_take()
            statuses_before = pool_key_statuses(now=started, lock=True)
            outcome = mirror_write_set_based(seen=seen, fresh=fresh, started=started, now=now)
        else:
            statuses_before = pool_key_statuses(now=started)
            outcome = mirror_write_batched(seen=seen, fresh=fresh, started=started, now=now, batch_size=batch_size)
        pool_key_status_events_since(before=statuses_before, now=now)

    result = PoolKeySyncResult(
        upstream_total=len(records),
        updated=outcome.updated,
        unchanged=outcome.unchanged,
        marked_missing=outcome.marked_missing,
        still_missing=outcome.still_missing,
        recovered=outcome.recovered,
        skipped_recent=outcome.skipped_recent,
        unmirrored_upstream=outcome.unmirrored_upstream,
        invalid=invalid,
        started_at=started,
    )
    audit_log(
        action="pool_key.sync_all",
        actor=actor,
        reason=reason,
        data={**result.as_dict(), "missing_upstream_ids": outcome.missing_ids[:_AUDIT_SAMPLE]},
    )
    logger.info("pool key sync: %s", result.as_dict())
    return result
