"""The rest of a port's life: its OS fingerprint, a health check (status and ping), moving it to
another country (operators), releasing it upstream, and the sync that keeps the mirror true."""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from apps.core.errors import ApplicationError
from apps.ports.models import Port, PortRotationLink, PortStatus
from apps.ports.upstream.errors import UpstreamNotFound
from apps.ports.upstream.records import OS_FINGERPRINT_VALUES

from .client import ports_client
from .fulfil import port_location_choose
from .keys import idempotency_key_validate
from .mirror import port_audit, port_mark_missing, port_mirror_apply, port_update, rotations_mirror
from .rotation import ensure_usable
from .upstream import upstream_call

if TYPE_CHECKING:
    from apps.accounts.models import User

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PortCheck:
    online: bool
    ip: str | None
    response_ms: int | None
    checked_at: datetime


def port_os_fingerprint_set(
    *, port: Port, value: str, idempotency_key: str, actor: "User | None" = None, ip: str | None = None
) -> Port:
    idempotency_key_validate(idempotency_key)
    ensure_usable(port)
    if value not in OS_FINGERPRINT_VALUES:
        raise ApplicationError(gettext("Choose one of the offered OS fingerprints."))
    with upstream_call(port):
        record = ports_client().set_os_fingerprint(port.upstream_id, value=value, idempotency_key=idempotency_key)
    port_mirror_apply(port=port, record=record)
    port_audit(
        action="port.os_fingerprint",
        port=port,
        actor=actor,
        ip=ip,
        idempotency_key=idempotency_key,
        data={"os_fingerprint": value},
    )
    return port


def port_check(*, port: Port) -> PortCheck:
    """The port's status and a test request through it ("ping"); remembers the IP it saw."""
    ensure_usable(port)
    client = ports_client()
    with upstream_call(port):
        status = client.port_status(port.upstream_id)
        ping = client.ping_port(port.upstream_id)
    now = timezone.now()
    online = status.status == "online" and ping.success
    fields: dict[str, object] = {"health": "healthy" if online else "offline"}
    if ping.ip:
        fields.update(last_ip=ping.ip, last_ip_at=now)
    port_update(port=port, fields=fields, now=now)
    return PortCheck(online=online, ip=ping.ip, response_ms=ping.response_time_ms, checked_at=now)


def port_reconfigure(
    *,
    port: Port,
    country_code: str,
    idempotency_key: str,
    carrier: str = "",
    actor: "User | None" = None,
    reason: str = "",
) -> Port:
    """Moves the port to another country (and carrier). Operators only (the plan fixes where)."""
    idempotency_key_validate(idempotency_key)
    ensure_usable(port)
    with upstream_call(port):
        country, carrier_record = port_location_choose(
            sharing=port.sharing, country=country_code.upper(), carrier=carrier
        )
        record = ports_client().reconfigure_port(
            port.upstream_id,
            country_id=country.id,
            carrier_id=carrier_record.id if carrier_record else None,
            idempotency_key=idempotency_key,
        )
    port_mirror_apply(port=port, record=record)
    port_audit(
        action="port.reconfigure",
        port=port,
        actor=actor,
        reason=reason,
        idempotency_key=idempotency_key,
        data={"country": port.country_code, "carrier": port.carrier},
    )
    return port


def port_release(*, port: Port, idempotency_key: str, actor: "User | None" = None, reason: str = "") -> Port:
    """Deletes the port upstream (its slot frees at once) and marks the mirror released; its
    rotation links stop working. The row stays for orders and the audit trail. A port already
    gone upstream counts as released."""
    idempotency_key_validate(idempotency_key)
    if port.released_at is not None:
        return port
    already_gone = False
    with upstream_call():
        try:
            ports_client().delete_port(port.upstream_id, idempotency_key=idempotency_key)
        except UpstreamNotFound:
            already_gone = True
    now = timezone.now()
    with transaction.atomic():
        port_update(port=port, fields={"released_at": now, "auto_rotation_enabled": False}, now=now)
        PortRotationLink.objects.filter(port=port, revoked_at__isnull=True).update(revoked_at=now)
        port_audit(
            action="port.release",
            port=port,
            actor=actor,
            reason=reason,
            idempotency_key=idempotency_key,
            data={"already_gone_upstream": already_gone},
        )
    return port


def port_sync(*, port: Port, history: bool = True) -> Port:
    """Reads the port (and its rotation history) from the upstream into the mirror. A port gone
    upstream is marked missing. The newest rotation's IP becomes the last known IP."""
    if port.released_at is not None:
        return port
    client = ports_client()
    with upstream_call(port):
        record = client.get_port(port.upstream_id)
        port_mirror_apply(port=port, record=record)
        if history:
            rotations = client.rotation_history(port.upstream_id)
            rotations_mirror(port=port, history=rotations)
            latest = max(
                (r for r in rotations.rotations if r.success and r.to_ip), key=lambda r: r.created_at, default=None
            )
            if latest is not None and (port.last_ip_at is None or latest.created_at > port.last_ip_at):
                port_update(port=port, fields={"last_ip": latest.to_ip, "last_ip_at": latest.created_at})
    return port


def port_refresh_if_stale(*, port: Port) -> bool:
    """Read-through refresh for the Ports page: syncs the port when the mirror is older than
    PORTS_REFRESH_SECONDS (automatic rotations happen upstream). Never fails the page: an
    upstream error leaves the mirror as it was. Returns whether it synced."""
    max_age = timedelta(seconds=settings.PORTS_REFRESH_SECONDS)
    if port.status != PortStatus.ACTIVE or (port.last_synced_at and timezone.now() - port.last_synced_at < max_age):
        return False
    try:
        port_sync(port=port)
    except ApplicationError as exc:
        logger.info("port %s: refresh skipped: %s", port.pk, exc)
        return False
    return True


def ports_sync_all(*, now: datetime | None = None) -> dict:
    """One list call mirrors every live port; live ports the list no longer carries are marked
    missing (unless written after the list was read)."""
    now = now or timezone.now()
    with upstream_call():
        records = {record.id: record for record in ports_client().list_ports()}
    synced = missing = 0
    for port in Port.objects.live().filter(missing_upstream=False).select_related("customer"):
        record = records.get(port.upstream_id)
        if record is not None:
            port_mirror_apply(port=port, record=record, now=now)
            synced += 1
        elif port.updated_at < now:
            port_mark_missing(port=port, reason="not in the upstream's port list")
            missing += 1
    return {"synced": synced, "missing": missing, "upstream": len(records)}
