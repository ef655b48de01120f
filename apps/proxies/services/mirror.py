"""Copying upstream records into the local mirror, and the audit helper the services share."""

from contextlib import contextmanager
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.utils import timezone

from apps.core.models import AuditEntry
from apps.core.services import audit_log
from apps.proxies.models import PoolKey
from apps.proxies.upstream.errors import UpstreamBadResponse, UpstreamNotFound
from apps.proxies.upstream.records import PoolKeyRecord

from .key_events import STATUS_FIELDS, pool_key_status_events
from .readings import usage_samples_record

if TYPE_CHECKING:
    from apps.accounts.models import User

# The fields a record overwrites. Anything else on PoolKey is the shop's own state.
MIRROR_FIELDS = ("label", "cap_gb", "used_mb", "enabled", "expires_at", "last_used_at", "missing_upstream")
_THOUSANDTH = Decimal("0.001")
_LABEL_MAX = PoolKey._meta.get_field("label").max_length


def _column_limit(name: str) -> Decimal:
    column = PoolKey._meta.get_field(name)
    if not isinstance(column, models.DecimalField):
        raise TypeError(f"PoolKey.{name} is not a DecimalField")
    return Decimal(10) ** (column.max_digits - column.decimal_places)


# Values at or past these overflow the columns: the whole batch (on PostgreSQL the whole sync) would fail.
_USED_LIMIT, _CAP_LIMIT = _column_limit("used_mb"), _column_limit("cap_gb")


def _quantize(value: Decimal) -> Decimal:
    return Decimal(value).quantize(_THOUSANDTH, rounding=ROUND_HALF_UP)


def mirror_fields_from_record(record: PoolKeyRecord) -> dict[str, Any]:
    """The mirror's view of one record. Values the model could not hold raise a typed error
    naming the field, so one bad reply never surfaces as an IntegrityError."""
    if not record.id:
        raise UpstreamBadResponse("pool key record without an id", field="id")
    used = record.traffic_used_mb if record.traffic_used_mb is not None else Decimal(0)
    if not Decimal(used).is_finite() or used < 0:
        raise UpstreamBadResponse(f"pool key {record.id} reports negative usage", field="trafficUsedMB")
    used = _quantize(used)
    if used >= _USED_LIMIT:
        raise UpstreamBadResponse(f"pool key {record.id} reports more usage than fits", field="trafficUsedMB")
    cap = record.traffic_cap_gb
    if cap is not None and (not Decimal(cap).is_finite() or cap < 0):
        raise UpstreamBadResponse(f"pool key {record.id} reports a negative cap", field="trafficCapGB")
    cap = _quantize(cap) if cap is not None else None
    if cap is not None and cap >= _CAP_LIMIT:
        raise UpstreamBadResponse(f"pool key {record.id} reports a cap larger than fits", field="trafficCapGB")
    return {
        "label": (record.label or "").replace("\x00", "")[:_LABEL_MAX],  # PostgreSQL text holds no NUL
        "cap_gb": cap,
        "used_mb": used,
        "enabled": bool(record.enabled),
        "expires_at": record.expires_at,
        "last_used_at": record.last_used_at,
        "missing_upstream": False,
    }


def secret_last4(record: PoolKeyRecord) -> str:
    return record.secret[-4:] if record.secret else ""


def pool_key_mirror_apply(
    *, key: PoolKey, record: PoolKeyRecord, now: datetime | None = None, extra: dict[str, Any] | None = None
) -> PoolKey:
    """Copies an upstream record onto the mirror row in one short UPDATE (no lock is held
    across an upstream call: the call already happened) and onto the given instance."""
    now = now or timezone.now()
    fields = mirror_fields_from_record(record)
    fields["last_synced_at"] = now
    if record.secret:
        fields["secret_last4"] = secret_last4(record)
    if fields["enabled"]:
        # Enabled upstream (by us or elsewhere): no operator hold is in force any more.
        fields["disabled_by_operator"] = False
    fields.update(extra or {})
    with transaction.atomic():
        # The status before is read under the row's lock, not off the instance: a concurrent
        # refresh or bulk sync that already announced the change makes it this one's "before".
        locked = PoolKey.objects.select_for_update(of=("self",)).only(*STATUS_FIELDS).filter(pk=key.pk).first()
        status_before = (locked or key).status_at((locked or key).last_synced_at or now)
        PoolKey.objects.filter(pk=key.pk).update(**fields, updated_at=now)
        for name, value in fields.items():
            setattr(key, name, value)
        key.updated_at = now
        # The chart's reading moves with the mirror, so chart and usage card agree.
        usage_samples_record(now=now, keys=[key])
        pool_key_status_events(key=key, before=status_before, now=now)
    return key


def pool_key_mark_missing(
    *, key: PoolKey, actor: "User | None" = None, reason: str = "", now: datetime | None = None
) -> bool:
    """Marks the mirror as gone upstream (404), never deletes it. Audited the first time only.
    Returns True when it was not marked before."""
    now = now or timezone.now()
    with transaction.atomic():
        changed = PoolKey.objects.filter(pk=key.pk, missing_upstream=False).update(
            missing_upstream=True, updated_at=now
        )
        key.missing_upstream = True
        if changed:
            pool_key_audit(action="pool_key.missing_upstream", key=key, actor=actor, reason=reason)
    return bool(changed)


@contextmanager
def marks_missing(key: PoolKey):
    """Around an upstream call about one key: a 404 marks the mirror, then propagates."""
    try:
        yield
    except UpstreamNotFound:
        pool_key_mark_missing(key=key)
        raise


def pool_key_audit(
    *,
    action: str,
    key: PoolKey,
    actor: "User | None" = None,
    reason: str = "",
    ip: str | None = None,
    data: dict[str, Any] | None = None,
    idempotency_key: str | None = None,
) -> AuditEntry | None:
    """One local audit entry per effect. With an idempotency key, a replayed call (same key,
    same action) does not write a second entry. Never pass a secret in `data`."""
    payload = {"upstream_id": key.upstream_id, **(data or {})}
    if idempotency_key:
        payload["idempotency_key"] = idempotency_key
        already = AuditEntry.objects.filter(
            action=action,
            target_type=PoolKey._meta.label_lower,
            target_id=str(key.pk),
            data__idempotency_key=idempotency_key,
        ).exists()
        if already:
            return None
    return audit_log(action=action, actor=actor, customer=key.customer, target=key, reason=reason, ip=ip, data=payload)


def jsonable(value: Any) -> Any:
    """Decimals and datetimes as plain strings, for audit data."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")  # 10.000 and 10 read the same: "10"
    if isinstance(value, datetime):
        return value.isoformat()
    return value
