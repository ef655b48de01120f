"""Port calls: list, get, create (needs a free slot and a free device), delete, renew (A4),
status, ping, ip, fingerprint options, reconfigure, credentials and fingerprint. Each handler
runs inside the core's transaction: an ApiError rolls back everything it did."""

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from apps.sandbox.upstream import validation as v
from apps.sandbox.upstream.wire import ApiError, Reply, SandboxRequest, iso, unix_ms

from . import inventory
from .inventory import FINGERPRINT_VALUES, OS_FINGERPRINTS, SERVERS, account, free_devices, object_id
from .models import SandboxPort, SandboxPortAccount, SandboxPortCarrier, SandboxPortCountry, SandboxPortDevice
from .records import ensure_usable, port_get, port_payload, port_status

DISPLAY_NAME = re.compile(r"^[A-Za-z0-9_.:# -]{1,64}$")
CREDENTIAL = re.compile(r"^[A-Za-z0-9_.~-]{4,64}$")
MIN_LIFETIME, MAX_LIFETIME = 3600, 3650 * 86_400


def _country(country_id) -> SandboxPortCountry:
    if not isinstance(country_id, str) or not country_id:
        raise ApiError(400, "missing_parameter", "countryId is required.", param="countryId")
    country = SandboxPortCountry.objects.filter(public_id=country_id).first()
    if country is None:
        raise ApiError(404, "country_not_found", "Unknown countryId.", param="countryId")
    return country


def _carrier(carrier_id, country: SandboxPortCountry) -> SandboxPortCarrier | None:
    if carrier_id is None:
        return None
    if not isinstance(carrier_id, str):
        raise ApiError(400, "invalid_parameter", "carrierId must be a string.", param="carrierId")
    carrier = SandboxPortCarrier.objects.filter(public_id=carrier_id, country=country).first()
    if carrier is None:
        raise ApiError(404, "carrier_not_found", "Unknown carrierId for this country.", param="carrierId")
    return carrier


def _fingerprint(value) -> str:
    if value not in FINGERPRINT_VALUES:
        raise ApiError(400, "invalid_parameter", "Unknown osFingerprint.", param="osFingerprint")
    return value


def _pick_device(country, carrier, *, exclusive: bool, exclude: int | None = None) -> SandboxPortDevice:
    filters = {"country": country}
    if carrier is not None:
        filters["carrier"] = carrier
    devices = free_devices(**filters).select_for_update()
    if exclude is not None:
        devices = devices.exclude(pk=exclude)
    device = devices.order_by("?").first()
    if device is None:
        raise ApiError(409, "no_available_devices", f"No free device in {country.name} for this request.")
    if exclusive:
        SandboxPortDevice.objects.filter(pk=device.pk).update(exclusive=True)
        device.exclusive = True
    return device


def slots_used(slot_type: str) -> int:
    return SandboxPort.objects.filter(slot_type=slot_type).count()


def slots_total(slot_type: str) -> int:
    acct = account()
    return acct.private_slots if slot_type == "private" else acct.shared_slots


def _next_port_numbers() -> tuple[int, int]:
    last = SandboxPort.objects.order_by("-http_port").values_list("http_port", flat=True).first()
    n = (last - 8000 + 1) if last else 1
    return 8000 + n, 5000 + n


def port_list(request: SandboxRequest, now: datetime) -> Reply:
    ports = SandboxPort.objects.select_related("device__country", "device__carrier")
    return Reply(200, [port_payload(port, now) for port in ports])


def port_read(request: SandboxRequest, now: datetime, port_id: str) -> Reply:
    return Reply(200, port_payload(port_get(port_id), now))


def port_create(request: SandboxRequest, now: datetime) -> Reply:
    body = v.parse_body(request)
    v.only_fields(body, ("countryId", "expiresAt", "carrierId", "osFingerprint", "slotType", "displayName"))
    country = _country(body.get("countryId"))
    lifetime = body.get("expiresAt")
    if isinstance(lifetime, bool) or not isinstance(lifetime, int):
        raise ApiError(400, "invalid_parameter", "expiresAt must be the port's lifetime in seconds.", param="expiresAt")
    if not MIN_LIFETIME <= lifetime <= MAX_LIFETIME:
        raise ApiError(
            422, "value_out_of_range", f"expiresAt must be {MIN_LIFETIME}-{MAX_LIFETIME} s.", param="expiresAt"
        )
    slot_type = body.get("slotType") or "shared"
    if slot_type not in SandboxPort.SLOT_TYPES:
        raise ApiError(400, "invalid_parameter", "slotType must be shared or private.", param="slotType")
    fingerprint = _fingerprint(body.get("osFingerprint", ""))
    carrier = _carrier(body.get("carrierId"), country)
    display_name = body.get("displayName")
    if display_name is not None and (not isinstance(display_name, str) or not DISPLAY_NAME.fullmatch(display_name)):
        raise ApiError(400, "invalid_parameter", "displayName must be 1-64 plain characters.", param="displayName")
    inventory.account()
    SandboxPortAccount.objects.select_for_update().get(pk=1)  # one slot count at a time
    if slots_used(slot_type) >= slots_total(slot_type):
        raise ApiError(409, "no_available_slots", f"No available {slot_type} slots. Purchase more slots.")
    device = _pick_device(country, carrier, exclusive=slot_type == "private")
    http_port, socks_port = _next_port_numbers()
    public_id = object_id(f"port:{secrets.token_hex(8)}")
    count = SandboxPort.objects.count() + 1
    port = SandboxPort.objects.create(
        public_id=public_id,
        name=f"psx_{public_id[:6]}_{secrets.token_hex(3)}",
        display_name=display_name or f"Proxy #{count}",
        slot_type=slot_type,
        device=device,
        server_ip=SERVERS[country.code],
        http_port=http_port,
        socks_port=socks_port,
        login=f"user_{secrets.token_hex(6)}",
        password=secrets.token_urlsafe(8)[:10].replace("-", "x").replace("_", "y"),
        os_fingerprint=fingerprint,
        expires_at=now + timedelta(seconds=lifetime),
        created_at=now,
        rotation_token=secrets.token_hex(16),
        settings_public_id=object_id(f"settings:{public_id}"),
    )
    return Reply(
        201,
        {
            "_id": port.public_id,
            "displayName": port.display_name,
            "serverIp": port.server_ip,
            "httpPort": port.http_port,
            "socksPort": port.socks_port,
            "proxyLogin": port.login,
            "proxyPassword": port.password,
            "expiresAt": unix_ms(port.expires_at),
        },
    )


def port_delete(request: SandboxRequest, now: datetime, port_id: str) -> Reply:
    port = port_get(port_id, lock=True)
    if port.slot_type == "private":
        SandboxPortDevice.objects.filter(pk=port.device_id).update(exclusive=False)
    port.delete()
    return Reply(200, {"message": "Port deleted successfully"})


def port_renew(request: SandboxRequest, now: datetime, port_id: str) -> Reply:
    """A4: an absolute expiry; the same value twice changes nothing, an earlier one is refused."""
    body = v.parse_body(request)
    v.only_fields(body, ("expiresAt",))
    value = body.get("expiresAt")
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApiError(400, "invalid_parameter", "expiresAt must be unix milliseconds.", param="expiresAt")
    port = port_get(port_id, lock=True)
    target = datetime.fromtimestamp(value / 1000, tz=now.tzinfo)
    if target <= now or target > now + timedelta(seconds=MAX_LIFETIME):
        raise ApiError(422, "value_out_of_range", "expiresAt must be in the future.", param="expiresAt")
    if target < port.expires_at:
        raise ApiError(422, "expiry_would_shorten", "expiresAt is earlier than the port's expiry.", param="expiresAt")
    port.expires_at = target
    port.save(update_fields=["expires_at"])
    return Reply(200, port_payload(port, now))


def port_status_read(request: SandboxRequest, now: datetime, port_id: str) -> Reply:
    port = port_get(port_id)
    live = port_status(port, now) == "active"
    online = live and port.device.online
    return Reply(
        200,
        {
            "status": "online" if online else "offline",
            "isActive": live,
            "lastChecked": iso(now),
            "expiresAt": unix_ms(port.expires_at),
        },
    )


def port_ping(request: SandboxRequest, now: datetime, port_id: str) -> Reply:
    port = port_get(port_id)
    if port_status(port, now) != "active" or not port.device.online:
        return Reply(200, {"success": False, "ip": None, "responseTime": None, "testTime": iso(now)})
    # Stable per IP and minute, so a page reload shows the same figure.
    digest = hashlib.sha256(f"{port.device.ip}:{now:%Y%m%d%H%M}".encode()).digest()
    return Reply(
        200, {"success": True, "ip": port.device.ip, "responseTime": 150 + digest[0] * 3, "testTime": iso(now)}
    )


def port_ip(request: SandboxRequest, now: datetime, port_id: str) -> Reply:
    port = port_get(port_id)
    return Reply(200, {"publicIp": port.device.ip, "serverIp": port.server_ip})


def port_fingerprints(request: SandboxRequest, now: datetime, port_id: str) -> Reply:
    port_get(port_id)
    return Reply(200, [{"value": value, "label": label} for value, label in OS_FINGERPRINTS])


def port_reconfigure(request: SandboxRequest, now: datetime, port_id: str) -> Reply:
    body = v.parse_body(request)
    v.only_fields(body, ("countryId", "carrierId"))
    port = port_get(port_id, lock=True)
    ensure_usable(port, now)
    country = _country(body.get("countryId"))
    carrier = _carrier(body.get("carrierId"), country)
    old = port.device
    device = _pick_device(country, carrier, exclusive=port.slot_type == "private", exclude=old.pk)
    if port.slot_type == "private":
        SandboxPortDevice.objects.filter(pk=old.pk).update(exclusive=False)
    port.device = device
    port.server_ip = SERVERS[country.code]
    port.save(update_fields=["device", "server_ip"])
    return Reply(200, port_payload(port_get(port_id), now))


def port_credentials(request: SandboxRequest, now: datetime, port_id: str) -> Reply:
    body = v.parse_body(request)
    v.only_fields(body, ("proxyLogin", "proxyPassword"))
    port = port_get(port_id, lock=True)
    for name in ("proxyLogin", "proxyPassword"):
        value = body.get(name)
        if not isinstance(value, str) or not CREDENTIAL.fullmatch(value):
            raise ApiError(
                400, "invalid_parameter", f"{name} must be 4-64 characters of A-Z a-z 0-9 _ . ~ -.", param=name
            )
    port.login, port.password = body["proxyLogin"], body["proxyPassword"]
    port.save(update_fields=["login", "password"])
    return Reply(200, port_payload(port, now))


def port_fingerprint_set(request: SandboxRequest, now: datetime, port_id: str) -> Reply:
    body = v.parse_body(request)
    v.only_fields(body, ("osFingerprint",))
    if "osFingerprint" not in body:
        raise ApiError(400, "missing_parameter", "osFingerprint is required.", param="osFingerprint")
    port = port_get(port_id, lock=True)
    port.os_fingerprint = _fingerprint(body["osFingerprint"])
    port.save(update_fields=["os_fingerprint"])
    return Reply(200, port_payload(port, now))
