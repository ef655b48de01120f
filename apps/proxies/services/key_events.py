"""A key's status changes as webhook events (apps.events): suspended (cap, expiry, operator),
expired, re-enabled. Called where the mirror changes, in the same transaction. The status before
is taken at the previous sync's time, so an expiry that happened by the clock is seen as one."""

from datetime import datetime

from django.db import transaction

from apps.events.models import EventType, ResourceType
from apps.events.services import event_record
from apps.proxies.models import PoolKey, PoolKeyAlertKind, PoolKeyStatus

S = PoolKeyStatus
SUSPENDED_REASONS = {S.SUSPENDED_CAP: "cap", S.EXPIRED: "expiry", S.DISABLED: "operator"}
RUNNING = {S.ACTIVE, S.NEAR_CAP}
EXPIRY_DAYS: dict[str, int] = {PoolKeyAlertKind.EXPIRY_7D: 7, PoolKeyAlertKind.EXPIRY_1D: 1}


def pool_key_status_events(*, key: PoolKey, before: PoolKeyStatus, now: datetime) -> None:
    after = key.status_at(now)
    if after == before:
        return
    if after in SUSPENDED_REASONS:
        key_event(key, EventType.KEY_SUSPENDED, reason=SUSPENDED_REASONS[after])
    if after == S.EXPIRED:
        key_event(key, EventType.KEY_EXPIRED)
    if after in RUNNING and before in SUSPENDED_REASONS:
        key_event(key, EventType.KEY_REENABLED)


STATUS_FIELDS = (
    "id",
    "customer_id",
    "deleted_at",
    "missing_upstream",
    "disabled_by_operator",
    "enabled",
    "expires_at",
    "cap_gb",
    "used_mb",
    "last_synced_at",
)


def pool_key_statuses(*, now: datetime, lock: bool = False) -> dict[int, PoolKeyStatus]:
    """Every live key's status as of its last sync: taken before a bulk sync, whose set-based
    writes see no row in Python (one SELECT of a few columns). `lock` holds the rows until the
    transaction ends, so a single-key refresh cannot announce a change in between."""
    keys = PoolKey.objects.live().only(*STATUS_FIELDS).order_by("pk")
    if lock:
        keys = keys.select_for_update(of=("self",))
    return {key.pk: key.status_at(key.last_synced_at or now) for key in keys}


def pool_key_status_events_since(*, before: dict[int, PoolKeyStatus], now: datetime) -> None:
    """The status changes a bulk sync made, as events (one more SELECT)."""
    with transaction.atomic(savepoint=False):
        for key in PoolKey.objects.filter(pk__in=list(before)).only(*STATUS_FIELDS):
            pool_key_status_events(key=key, before=before[key.pk], now=now)


def key_event(key: PoolKey, event_type: EventType, **extra) -> None:
    event_record(
        type=event_type, customer_id=key.customer_id, resource_type=ResourceType.KEY, resource_id=key.pk, extra=extra
    )


def alert_event(key: PoolKey, kind: str) -> None:
    """A usage or expiry alert the customer was mailed, as an event with its facts."""
    if kind in EXPIRY_DAYS:
        key_event(key, EventType.KEY_EXPIRING, days=EXPIRY_DAYS[kind], expires_at=str(key.expires_at))
        return
    threshold = key.alert_full_percent if kind == PoolKeyAlertKind.USAGE_100 else key.alert_warn_percent
    percent = float(round(key.percent_used, 1)) if key.percent_used is not None else None
    key_event(key, EventType.KEY_USAGE_THRESHOLD, threshold=threshold, percent=percent)
