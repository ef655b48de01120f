"""Refreshing the mirror from the upstream: one key, or every key with one list call."""

import logging
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from apps.core.services import audit_log
from apps.proxies.models import PoolKey
from apps.proxies.upstream.errors import UpstreamBadResponse, UpstreamNotFound

from . import client
from .mirror import (
    MIRROR_FIELDS,
    mirror_fields_from_record,
    pool_key_audit,
    pool_key_mark_missing,
    pool_key_mirror_apply,
)

logger = logging.getLogger(__name__)

SYNC_BATCH_SIZE = 500
_LOAD_FIELDS = (
    "id",
    "upstream_id",
    "customer_id",
    "created_at",
    "last_synced_at",
    "disabled_by_operator",
    *MIRROR_FIELDS,
)
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


def _chunks[T](items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def pool_key_sync(*, key: PoolKey, actor=None, reason: str = "") -> PoolKey:
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


def pool_key_sync_all(*, actor=None, reason: str = "", batch_size: int = SYNC_BATCH_SIZE) -> PoolKeySyncResult:
    """Mirrors every key with ONE list call, one query for the mirror, and batched writes:
    bulk_update of the changed columns of changed rows, a plain UPDATE of last_synced_at for
    every row confirmed, another for rows gone upstream (marked, never deleted). Rows written
    after the list call started are left alone, so a slower sync never overwrites a fresher
    top-up. Safe to run concurrently."""
    started = timezone.now()
    records = client.upstream_client().list_keys()
    now = timezone.now()

    seen: set[str] = set()
    fresh: dict[str, dict] = {}
    invalid = 0
    for record in records:
        seen.add(record.id)
        try:
            fresh[record.id] = mirror_fields_from_record(record)
        except UpstreamBadResponse as exc:
            invalid += 1
            logger.warning("pool key sync: skipped an unreadable record: %s (field %s)", exc.message, exc.field)

    counts = dict.fromkeys(("updated", "unchanged", "still_missing", "recovered", "skipped_recent"), 0)
    # Changed rows grouped by which fields changed: bulk_update then writes only those columns
    # (its CASE expressions cost per row and per field; most syncs change usage and nothing else).
    changed: dict[tuple[str, ...], list[PoolKey]] = defaultdict(list)
    synced: list[int] = []
    newly_missing: list[PoolKey] = []
    rows = list(PoolKey.objects.live().only(*_LOAD_FIELDS).order_by("pk"))
    for row in rows:
        if (row.last_synced_at and row.last_synced_at >= started) or row.created_at >= started:
            counts["skipped_recent"] += 1
            continue
        if row.upstream_id not in seen:
            if row.missing_upstream:
                counts["still_missing"] += 1
            else:
                newly_missing.append(row)
            continue
        fields = fresh.get(row.upstream_id)
        if fields is None:  # present but unreadable: neither missing nor updatable
            continue
        if row.missing_upstream:
            counts["recovered"] += 1
        if fields["enabled"]:
            fields = {**fields, "disabled_by_operator": False}
        diff = tuple(name for name, value in fields.items() if getattr(row, name) != value)
        for name in diff:
            setattr(row, name, fields[name])
        if diff:
            changed[diff].append(row)
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
        synced.append(row.pk)

    for names, group in changed.items():
        for batch in _chunks(group, batch_size):
            with transaction.atomic():
                PoolKey.objects.bulk_update(batch, names, batch_size=batch_size)
                PoolKey.objects.filter(pk__in=[row.pk for row in batch]).update(updated_at=now)
    for batch in _chunks(synced, batch_size):
        PoolKey.objects.filter(pk__in=batch).update(last_synced_at=now)
    marked = 0
    for batch in _chunks(newly_missing, batch_size):
        marked += PoolKey.objects.filter(pk__in=[row.pk for row in batch], missing_upstream=False).update(
            missing_upstream=True, updated_at=now
        )

    mirrored = {row.upstream_id for row in rows}
    result = PoolKeySyncResult(
        upstream_total=len(records),
        marked_missing=marked,
        unmirrored_upstream=len(seen - mirrored),
        invalid=invalid,
        started_at=started,
        **counts,
    )
    audit_log(
        action="pool_key.sync_all",
        actor=actor,
        reason=reason,
        data={**result.as_dict(), "missing_upstream_ids": [row.upstream_id for row in newly_missing[:_AUDIT_SAMPLE]]},
    )
    logger.info("pool key sync: %s", result.as_dict())
    return result
