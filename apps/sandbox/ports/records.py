"""Ports as the API shows them, and lookups shared by the handlers."""

from datetime import datetime
from decimal import Decimal
from urllib.parse import urlsplit

from django.conf import settings

from apps.sandbox.upstream.wire import ApiError, iso, number, unix_ms

from .models import SandboxPort

COOLDOWN_SECONDS = {"shared": 300, "private": 60}
INTERVAL_BOUNDS = {"shared": (300, 86_400), "private": (60, 86_400)}


def port_status(port: SandboxPort, now: datetime) -> str:
    if port.suspended:
        return "suspended"
    if port.expires_at <= now:
        return "expired"
    return "active"


def rotation_link(port: SandboxPort) -> str:
    parts = urlsplit(settings.PROXIES_SX_API_URL)
    return f"{parts.scheme}://{parts.netloc}/rotate/{port.rotation_token}"


def settings_payload(port: SandboxPort) -> dict:
    seconds = port.interval_seconds
    return {
        "enabled": port.auto_enabled,
        "intervalMinutes": None if seconds is None else seconds // 60,
        "intervalSeconds": seconds,
        "lastRotatedAt": iso(port.last_rotated_at),
        "rotationCount": port.rotation_count,
        "matchCarrier": port.match_carrier,
        "matchCity": port.match_city,
        "excludedDeviceIds": [],
        "_id": port.settings_public_id,
        "id": port.settings_public_id,
    }


def port_payload(port: SandboxPort, now: datetime) -> dict:
    device = port.device
    status = port_status(port, now)
    used = Decimal(port.used_traffic_gb)
    return {
        "_id": port.public_id,
        "id": port.public_id,
        "name": port.name,
        "displayName": port.display_name,
        "httpPort": port.http_port,
        "socksPort": port.socks_port,
        "serverIp": port.server_ip,
        "proxyLogin": port.login,
        "proxyPassword": port.password,
        "slotType": port.slot_type,
        "exclusive": port.slot_type == "private",
        "osFingerprint": port.os_fingerprint,
        "suspended": port.suspended,
        "status": status,
        "expiresAt": unix_ms(port.expires_at),
        "createdAt": unix_ms(port.created_at),
        "rotationToken": port.rotation_token,
        "rotationSettings": settings_payload(port),
        "usedTraffic": number(used),
        "trafficSummary": {"usedMB": number(used * 1024), "usedGB": number(used)},
        "healthStatus": "healthy" if device.online and status == "active" else "offline",
        "rotationLink": rotation_link(port),
        "device": {
            "_id": device.public_id,
            "name": device.name,
            "country": {"name": device.country.name, "code": device.country.code},
            "carrier": {"name": device.carrier.name, "brand": device.carrier.brand},
            "region": {"name": device.region},
        },
    }


def port_get(port_id: str, *, lock: bool = False) -> SandboxPort:
    queryset = SandboxPort.objects.select_related("device__country", "device__carrier")
    if lock:
        queryset = queryset.select_for_update()
    port = queryset.filter(public_id=port_id).first()
    if port is None:
        raise ApiError(404, "port_not_found", f"Port {port_id[:40]!r} not found.")
    return port


def ensure_usable(port: SandboxPort, now: datetime) -> None:
    """Rotations and reconfiguration need a live port."""
    status = port_status(port, now)
    if status == "suspended":
        raise ApiError(403, "port_suspended", "This port is suspended.")
    if status == "expired":
        raise ApiError(409, "port_expired", "This port has expired; renew it first.")
