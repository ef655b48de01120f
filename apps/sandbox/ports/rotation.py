"""Rotation: on demand (API, public token link), automatic on the sandbox clock, with the
per-type cooldown and the history. A shared port moves to another free device of its country
(matchCarrier / matchCity narrow the choice); a private port keeps its device, which gets a new
IP ("airplane mode")."""

import math
import random
import secrets
from datetime import datetime, timedelta

from django.db import transaction

from apps.sandbox.upstream import validation as v
from apps.sandbox.upstream.wire import ApiError, Reply, SandboxRequest, iso

from .inventory import free_devices, object_id, random_ip
from .models import SandboxPort, SandboxPortDevice, SandboxPortRotation
from .records import COOLDOWN_SECONDS, INTERVAL_BOUNDS, ensure_usable, port_get, settings_payload

HISTORY_LIMIT = 100


def cooldown_remaining(port: SandboxPort, now: datetime) -> int:
    if port.last_rotated_at is None:
        return 0
    ready = port.last_rotated_at + timedelta(seconds=COOLDOWN_SECONDS[port.slot_type])
    return max(0, math.ceil((ready - now).total_seconds()))


def _candidates(port: SandboxPort):
    device = port.device
    devices = free_devices(country_id=device.country_id).exclude(pk=device.pk)
    if port.match_carrier:
        devices = devices.filter(carrier_id=device.carrier_id)
    if port.match_city:
        devices = devices.filter(region=device.region)
    return devices


def _rotate(port: SandboxPort, *, trigger: str, now: datetime, rng: random.Random | None = None) -> dict:
    """Rotates a locked port; returns the reply. Raises the cooldown 429 first."""
    rng = rng or random.Random()
    remaining = cooldown_remaining(port, now)
    if remaining:
        raise ApiError(
            429,
            "rotation_cooldown",
            f"Rate limited. Must wait {remaining} seconds before next rotation.",
            headers={"Retry-After": str(remaining)},
        )
    old = port.device
    old_ip = old.ip
    duration = rng.randint(900, 3000)
    if port.slot_type == "private":
        new_device = old
        new_ip = random_ip(rng)
        SandboxPortDevice.objects.filter(pk=old.pk).update(ip=new_ip)
    else:
        new_device = _candidates(port).order_by("?").first()
        if new_device is None:
            raise ApiError(409, "no_available_devices", "No other free device to rotate to.")
        new_ip = new_device.ip
        port.device = new_device
    port.last_rotated_at = now
    port.rotation_count += 1
    port.save(update_fields=["device", "last_rotated_at", "rotation_count"])
    SandboxPortRotation.objects.create(
        public_id=object_id(f"rotation:{secrets.token_hex(8)}"),
        port_id=port.public_id,
        from_device_id=old.public_id,
        to_device_id=new_device.public_id,
        from_ip=old_ip,
        to_ip=new_ip,
        trigger_type=trigger,
        duration_ms=duration,
        country=old.country.name,
        carrier=new_device.carrier.brand,
        created_at=now,
    )
    if port.slot_type == "private":
        return {
            "success": True,
            "portId": port.public_id,
            "oldIp": old_ip,
            "rotationDurationMs": duration,
            "message": "IP reset triggered via airplane mode. New IP will be available in 10-30 seconds.",
            "isAirplaneMode": True,
        }
    return {
        "success": True,
        "portId": port.public_id,
        "oldDeviceId": old.public_id,
        "newDeviceId": new_device.public_id,
        "oldIp": old_ip,
        "newIp": new_ip,
        "rotationDurationMs": duration,
        "rotationCount": port.rotation_count,
        "message": "Port rotated successfully",
    }


def port_rotate(request: SandboxRequest, now: datetime, port_id: str) -> Reply:
    port = port_get(port_id, lock=True)
    ensure_usable(port, now)
    return Reply(200, _rotate(port, trigger="manual", now=now))


def token_rotate(request: SandboxRequest, now: datetime, token: str) -> Reply:
    """The public link: no API key; the token is the credential (A6)."""
    port = SandboxPort.objects.select_for_update().filter(rotation_token=token).first() if token else None
    if port is None or port.rotation_token != token:
        raise ApiError(404, "rotation_token_not_found", "Unknown rotation token.")
    port = port_get(port.public_id, lock=True)
    ensure_usable(port, now)
    return Reply(200, _rotate(port, trigger="api_token", now=now))


def port_can_rotate(request: SandboxRequest, now: datetime, port_id: str) -> Reply:
    port = port_get(port_id)
    ensure_usable(port, now)
    remaining = cooldown_remaining(port, now)
    if remaining:
        return Reply(
            200,
            {
                "canRotate": False,
                "reason": f"Rate limited. Must wait {remaining} seconds before next rotation.",
                "nextRotationAt": iso(now + timedelta(seconds=remaining)),
                "cooldownRemaining": remaining,
            },
        )
    available = 1 if port.slot_type == "private" else _candidates(port).count()
    if not available:
        return Reply(200, {"canRotate": False, "reason": "No other free device.", "cooldownRemaining": 0})
    return Reply(200, {"canRotate": True, "availableDevices": available})


def port_rotation_settings(request: SandboxRequest, now: datetime, port_id: str) -> Reply:
    body = v.parse_body(request)
    v.only_fields(body, ("enabled", "intervalSeconds", "matchCarrier", "matchCity"))
    port = port_get(port_id, lock=True)
    enabled = v.enabled(body["enabled"]) if "enabled" in body else port.auto_enabled
    seconds = body.get("intervalSeconds", port.interval_seconds)
    low, high = INTERVAL_BOUNDS[port.slot_type]
    bad = isinstance(seconds, bool) or not isinstance(seconds, int) or not low <= seconds <= high
    if bad and (enabled or "intervalSeconds" in body):
        raise ApiError(
            400,
            "invalid_interval",
            f"intervalSeconds must be {low}-{high} for a {port.slot_type} port.",
            param="intervalSeconds",
        )
    for name, attr in (("matchCarrier", "match_carrier"), ("matchCity", "match_city")):
        if name in body:
            if not isinstance(body[name], bool):
                raise ApiError(400, "invalid_parameter", f"{name} must be true or false.", param=name)
            setattr(port, attr, body[name])
    if enabled and (not port.auto_enabled or seconds != port.interval_seconds):
        port.auto_anchor_at = now  # a new schedule counts from now
    port.auto_enabled, port.interval_seconds = enabled, seconds
    port.save(update_fields=["auto_enabled", "interval_seconds", "match_carrier", "match_city", "auto_anchor_at"])
    return Reply(200, settings_payload(port))


def port_rotation_history(request: SandboxRequest, now: datetime, port_id: str) -> Reply:
    port = port_get(port_id)
    rows = SandboxPortRotation.objects.filter(port_id=port.public_id)
    return Reply(
        200,
        {
            "rotations": [
                {
                    "_id": row.public_id,
                    "portId": row.port_id,
                    "fromDeviceId": row.from_device_id,
                    "toDeviceId": row.to_device_id,
                    "fromIp": row.from_ip,
                    "toIp": row.to_ip,
                    "triggerType": row.trigger_type,
                    "success": row.success,
                    "rotationDurationMs": row.duration_ms,
                    "country": row.country,
                    "carrier": row.carrier,
                    "createdAt": iso(row.created_at),
                }
                for row in rows[:HISTORY_LIMIT]
            ],
            "total": rows.count(),
        },
    )


def next_auto_rotation(port: SandboxPort) -> datetime | None:
    if not port.auto_enabled or not port.interval_seconds:
        return None
    anchors = [t for t in (port.auto_anchor_at, port.last_rotated_at) if t is not None]
    base = max(anchors) if anchors else port.created_at
    return base + timedelta(seconds=port.interval_seconds)


def auto_rotate_due(*, now: datetime, rng: random.Random | None = None) -> list[str]:
    """Rotates every port whose auto-rotation is due (once each, however late: a sandbox that
    was off for a day does not replay a day of rotations). Returns the port ids rotated."""
    rotated = []
    due = SandboxPort.objects.filter(auto_enabled=True, suspended=False, expires_at__gt=now)
    for port_id in due.values_list("public_id", flat=True):
        with transaction.atomic():
            port = port_get(port_id, lock=True)
            when = next_auto_rotation(port)
            if when is None or when > now:
                continue
            try:
                _rotate(port, trigger="automatic", now=now, rng=rng)
            except ApiError:
                # No device to move to (or inside a cooldown a manual rotation started): try at
                # the next interval rather than on every request.
                SandboxPort.objects.filter(pk=port.pk).update(auto_anchor_at=now)
                continue
            rotated.append(port_id)
    return rotated
