"""Rotating a port (asking can-rotate first, so the customer gets the time left rather than a
refused call), auto-rotation settings within the contract's bounds, and the history mirror."""

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from apps.core.errors import ApplicationError
from apps.events.models import EventType
from apps.ports.errors import PortCooldownError, PortNotUsable
from apps.ports.models import Port, PortStatus
from apps.ports.upstream.records import AUTO_ROTATION_BOUNDS, CanRotateRecord

from .client import ports_client
from .keys import idempotency_key_validate
from .mirror import port_audit, port_update, rotation_fields, rotations_mirror
from .port_events import port_event
from .upstream import cooldown_message, cooldown_text, upstream_call

if TYPE_CHECKING:
    from apps.accounts.models import User

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RotationOutcome:
    old_ip: str | None
    new_ip: str | None  # None for a private port until its new IP arrives (10-30 s)
    message: str


def ensure_usable(port: Port) -> None:
    status = port.status
    if status != PortStatus.ACTIVE:
        raise PortNotUsable(
            gettext("This port is %(lower)s; it cannot do that now.") % {"lower": PortStatus(status).label.lower()}
        )


def port_can_rotate(*, port: Port) -> CanRotateRecord:
    """The upstream's answer (it knows about automatic rotations the mirror has not seen yet)."""
    ensure_usable(port)
    with upstream_call(port):
        return ports_client().can_rotate(port.upstream_id)


def port_history_sync(*, port: Port) -> int:
    """Mirrors the upstream's rotation history; returns how many entries were new."""
    with upstream_call(port):
        history = ports_client().rotation_history(port.upstream_id)
    return rotations_mirror(port=port, history=history)


def rotation_recorded(port: Port, *, new_ip: str | None, count: int | None) -> None:
    now = timezone.now()
    fields = {"last_rotated_at": now, "rotation_count": count if count is not None else port.rotation_count + 1}
    if new_ip:
        fields.update(last_ip=new_ip, last_ip_at=now)
    port_update(port=port, fields=fields, now=now)
    try:
        port_history_sync(port=port)
    except ApplicationError as exc:  # the rotation happened; the history catches up on the next sync
        logger.warning("port %s: rotation history not refreshed: %s", port.pk, exc)


def port_rotate(
    *,
    port: Port,
    idempotency_key: str,
    actor: "User | None" = None,
    ip: str | None = None,
    reason: str = "",
    check_first: bool = True,
) -> RotationOutcome:
    """A new IP now. Raises PortCooldownError (with the seconds left) inside the cooldown."""
    idempotency_key_validate(idempotency_key)
    ensure_usable(port)
    client = ports_client()
    with upstream_call(port):
        if check_first:
            check = client.can_rotate(port.upstream_id)
            if not check.can_rotate:
                remaining = check.cooldown_remaining
                if remaining:
                    raise PortCooldownError(cooldown_message(remaining), remaining=remaining)
                raise ApplicationError(check.reason or "This port cannot rotate right now.")
        result = client.rotate_port(port.upstream_id, idempotency_key=idempotency_key)
    rotation_recorded(port, new_ip=result.new_ip, count=result.rotation_count)
    port_audit(
        action="port.rotate",
        port=port,
        actor=actor,
        ip=ip,
        reason=reason,
        idempotency_key=idempotency_key,
        data={"old_ip": result.old_ip, "new_ip": result.new_ip},
    )
    port_event(port, EventType.PORT_ROTATED)
    message = (
        f"Rotated: your new IP is {result.new_ip}."
        if result.new_ip
        else "Rotation started: the new IP arrives within 30 seconds."
    )
    return RotationOutcome(old_ip=result.old_ip, new_ip=result.new_ip, message=message)


def port_rotation_bounds(port: Port) -> tuple[int, int]:
    return AUTO_ROTATION_BOUNDS[port.sharing]


def port_rotation_settings_set(
    *,
    port: Port,
    enabled: bool,
    interval_seconds: int | None,
    match_carrier: bool,
    match_city: bool,
    idempotency_key: str,
    actor: "User | None" = None,
    ip: str | None = None,
) -> Port:
    """Auto-rotation on or off, with an interval inside the bounds of the port's type."""
    idempotency_key_validate(idempotency_key)
    ensure_usable(port)
    low, high = port_rotation_bounds(port)
    interval = interval_seconds if interval_seconds is not None else (port.auto_rotation_seconds or low)
    if isinstance(interval, bool) or not isinstance(interval, int) or not low <= interval <= high:
        raise ApplicationError(
            gettext("The interval for a %(lower)s port is %(cooldown_text)s to 24 h (%(low)s-%(high)s seconds).")
            % {
                "lower": port.get_sharing_display().lower(),
                "cooldown_text": cooldown_text(low),
                "low": low,
                "high": high,
            }
        )
    with upstream_call(port):
        settings = ports_client().set_rotation_settings(
            port.upstream_id,
            enabled=enabled,
            interval_seconds=interval,
            match_carrier=match_carrier,
            match_city=match_city,
            idempotency_key=idempotency_key,
        )
    with transaction.atomic():
        fields = rotation_fields(settings)
        if fields["last_rotated_at"] is None:  # a settings reply may leave it out
            fields["last_rotated_at"] = port.last_rotated_at
        port_update(port=port, fields=fields)
        port_audit(
            action="port.rotation_settings",
            port=port,
            actor=actor,
            ip=ip,
            idempotency_key=idempotency_key,
            data={
                "enabled": enabled,
                "interval_seconds": interval,
                "match_carrier": match_carrier,
                "match_city": match_city,
            },
        )
    return port
