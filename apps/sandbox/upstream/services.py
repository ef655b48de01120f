"""Server-side behaviour of the upstream that no API call triggers directly: the gateway's auth
check, auto-suspend at the cap, the nightly expiry job, plus helpers for tests and demos."""

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from django.db import transaction

from . import clock, idempotency
from .events import RETENTION, event_record, mask_secret
from .keys import MB_PER_GB, key_is_expired
from .models import (
    SandboxAuditEvent,
    SandboxFaultConfig,
    SandboxFaultRule,
    SandboxIdempotencyRecord,
    SandboxIncident,
    SandboxKey,
    SandboxSession,
)
from .sessions import sessions_close_for_key, sessions_purge
from .wire import iso, new_id, number


def key_over_cap(key: SandboxKey) -> bool:
    return key.traffic_cap_gb is not None and Decimal(key.traffic_used_mb) / MB_PER_GB >= key.traffic_cap_gb


def key_auto_suspend_cap(*, key: SandboxKey, now: datetime) -> bool:
    """Flips an enabled key that reached its cap to enabled=false, with the audit event. The key
    row must be locked by the caller. Returns whether it suspended the key."""
    if not key.enabled or not key_over_cap(key):
        return False
    key.enabled = False
    key.updated_at = now
    key.save(update_fields=["enabled", "updated_at"])
    sessions_close_for_key(pak_id=key.public_id)
    metadata = {"trafficUsedMB": number(Decimal(key.traffic_used_mb)), "trafficCapGB": number(key.traffic_cap_gb)}
    event_record(
        action="auto_suspended_cap_exceeded", now=now, pak_id=key.public_id, auth_method="system", metadata=metadata
    )
    return True


def sandbox_key_accepts(secret: str) -> bool:
    """The gateway's auth check for a proxy password: true only for an enabled, unexpired key
    under its cap whose current secret is exactly `secret`. Writes gateway_auth_success or
    gateway_auth_failure (with the reason)."""
    now = clock.now()
    with transaction.atomic():
        key = None
        if isinstance(secret, str) and secret:
            key = SandboxKey.objects.select_for_update().filter(secret=secret).first()
        if key is not None and key.secret != secret:
            key = None  # a case-insensitive database collation must not let a near miss through
        reason = ""
        if key is None:
            reason = "unknown_key"
        elif not key.enabled:
            reason = "disabled"
        elif key_is_expired(key, now):
            reason = "expired"
        elif key_auto_suspend_cap(key=key, now=now):
            reason = "cap_exceeded"
        pak_id = key.public_id if key else ""
        if reason:
            metadata = {"reason": reason, "keyHint": mask_secret(secret if isinstance(secret, str) else "")}
            event_record(
                action="gateway_auth_failure", now=now, pak_id=pak_id, auth_method="gateway", metadata=metadata
            )
            return False
        event_record(action="gateway_auth_success", now=now, pak_id=pak_id, auth_method="gateway")
        return True


def sandbox_expiry_sweep(*, now: datetime | None = None) -> list[str]:
    """The upstream's nightly job (03:30 UTC): enabled keys past their expiry become disabled, each
    with an auto_suspended_expired event. Returns the key ids it suspended."""
    now = now or clock.now()
    suspended = []
    with transaction.atomic():
        for key in SandboxKey.objects.select_for_update().filter(enabled=True, expires_at__lte=now):
            key.enabled = False
            key.updated_at = now
            key.save(update_fields=["enabled", "updated_at"])
            sessions_close_for_key(pak_id=key.public_id)
            event_record(
                action="auto_suspended_expired",
                now=now,
                pak_id=key.public_id,
                auth_method="system",
                metadata={"expiresAt": iso(key.expires_at)},
            )
            suspended.append(key.public_id)
    return suspended


def sandbox_purge(*, now: datetime | None = None) -> None:
    """Drops what the upstream forgets: replies older than 24 h, events past the 90-day retention,
    sessions that expired."""
    now = now or clock.now()
    idempotency.purge(now=now)
    SandboxAuditEvent.objects.filter(created_at__lt=now - RETENTION).delete()
    sessions_purge(now=now)


def sandbox_reset() -> None:
    """Empties every sandbox table (keys, events, replies, sessions, incidents, faults)."""
    for model in (
        SandboxKey,
        SandboxAuditEvent,
        SandboxIdempotencyRecord,
        SandboxSession,
        SandboxIncident,
        SandboxFaultRule,
        SandboxFaultConfig,
    ):
        model.objects.all().delete()
    clock.set_clock(None)


def sandbox_incident_open(
    *, severity: str, title: str, description: str = "", affects: Iterable[str] = (), at: datetime | None = None
) -> SandboxIncident:
    if severity not in SandboxIncident.SEVERITIES:
        raise ValueError(f"severity must be one of {', '.join(SandboxIncident.SEVERITIES)}")
    return SandboxIncident.objects.create(
        public_id=new_id("inc_", 8),
        severity=severity,
        title=title,
        description=description,
        affects=list(affects),
        started_at=at or clock.now(),
    )


def sandbox_incident_resolve(*, incident: SandboxIncident, at: datetime | None = None) -> SandboxIncident:
    incident.resolved_at = at or clock.now()
    incident.save(update_fields=["resolved_at"])
    return incident
