"""Copying upstream port records into the mirror, the rotation history, and the audit helper the
ports services share. Secrets never reach these rows or the audit data."""

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from apps.core.models import AuditEntry
from apps.core.services import audit_log
from apps.ports.models import Port, PortRotation, PortSharing
from apps.ports.upstream.errors import UpstreamBadResponse
from apps.ports.upstream.records import PortRecord, RotationHistoryRecord, RotationSettingsRecord

if TYPE_CHECKING:
    from apps.accounts.models import User

_NAME_MAX = Port._meta.get_field("name").max_length


def rotation_fields(settings: RotationSettingsRecord) -> dict[str, Any]:
    return {
        "auto_rotation_enabled": settings.enabled,
        "auto_rotation_seconds": settings.interval_seconds,
        "match_carrier": settings.match_carrier,
        "match_city": settings.match_city,
        "rotation_count": settings.rotation_count,
        "last_rotated_at": settings.last_rotated_at,
    }


def port_fields_from_record(record: PortRecord) -> dict[str, Any]:
    """The mirror's view of a record. Values the model cannot hold raise a typed error naming
    the field, so one bad reply never surfaces as an IntegrityError."""
    if not record.id:
        raise UpstreamBadResponse("port record without an id", field="id")
    fields: dict[str, Any] = {
        "name": (record.name or "")[:_NAME_MAX],
        "server_ip": record.server_ip[:64],
        "http_port": record.http_port,
        "socks_port": record.socks_port,
        "login": record.login[:64],
        "os_fingerprint": record.os_fingerprint[:16],
        "expires_at": record.expires_at,
        "upstream_status": "suspended" if record.suspended else (record.status or "active")[:16],
        "health": (record.health_status or "")[:16],
        "missing_upstream": False,
    }
    if record.slot_type in PortSharing.values:
        fields["sharing"] = record.slot_type
    device = record.device
    if device is not None:
        fields.update(
            country_code=device.country_code[:2],
            country_name=device.country_name[:80],
            carrier=(device.carrier_brand or device.carrier_name)[:80],
            region=device.region[:80],
        )
    if record.rotation is not None:
        fields.update(rotation_fields(record.rotation))
    return fields


def port_mirror_apply(*, port: Port, record: PortRecord, now: datetime | None = None) -> Port:
    """Copies a record onto the mirror row in one short UPDATE and onto the instance."""
    now = now or timezone.now()
    fields = port_fields_from_record(record)
    fields["last_synced_at"] = now
    return port_update(port=port, fields=fields, now=now)


def port_update(*, port: Port, fields: dict[str, Any], now: datetime | None = None) -> Port:
    now = now or timezone.now()
    with transaction.atomic():
        Port.objects.filter(pk=port.pk).update(**fields, updated_at=now)
    for name, value in fields.items():
        setattr(port, name, value)
    port.updated_at = now
    return port


def port_mark_missing(*, port: Port, actor: "User | None" = None, reason: str = "") -> bool:
    """Marks the mirror as gone upstream (404), never deletes it. Audited the first time only."""
    now = timezone.now()
    with transaction.atomic():
        changed = Port.objects.filter(pk=port.pk, missing_upstream=False).update(missing_upstream=True, updated_at=now)
        port.missing_upstream = True
        if changed:
            port_audit(action="port.missing_upstream", port=port, actor=actor, reason=reason)
    return bool(changed)


def rotations_mirror(*, port: Port, history: RotationHistoryRecord) -> int:
    """Adds the history entries the mirror does not have yet. Returns how many were new."""
    known = set(
        PortRotation.objects.filter(upstream_id__in=[r.id for r in history.rotations]).values_list(
            "upstream_id", flat=True
        )
    )
    new = [
        PortRotation(
            port=port,
            upstream_id=r.id,
            trigger=r.trigger_type[:16],
            success=r.success,
            from_ip=(r.from_ip or "")[:64],
            to_ip=(r.to_ip or "")[:64],
            duration_ms=r.duration_ms,
            country=r.country[:80],
            carrier=r.carrier[:80],
            rotated_at=r.created_at,
        )
        for r in history.rotations
        if r.id not in known
    ]
    PortRotation.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


def port_audit(
    *,
    action: str,
    port: Port,
    actor: "User | None" = None,
    reason: str = "",
    ip: str | None = None,
    data: dict[str, Any] | None = None,
    idempotency_key: str | None = None,
) -> AuditEntry | None:
    """One local audit entry per effect; a replayed call (same idempotency key and action) does
    not write a second one. Never pass a secret in `data`."""
    payload = {"upstream_id": port.upstream_id, **(data or {})}
    if idempotency_key:
        payload["idempotency_key"] = idempotency_key
        already = AuditEntry.objects.filter(
            action=action,
            target_type=Port._meta.label_lower,
            target_id=str(port.pk),
            data__idempotency_key=idempotency_key,
        ).exists()
        if already:
            return None
    return audit_log(
        action=action, actor=actor, customer=port.customer, target=port, reason=reason, ip=ip, data=payload
    )


def jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value
