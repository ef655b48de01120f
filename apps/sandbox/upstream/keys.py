"""The pool-key calls of the reseller API: mint, list, get, update, top-up, regenerate, reveal,
delete and the two audit queries. Each handler runs inside the core's transaction: an ApiError
rolls everything back, so a rejected call has no effect.

The secret is returned in full only by the calls meant to hand it over (mint, regenerate,
reveal); list, get, update and top-up mask it, as the real list may. A shop shows a secret
through the audited reveal."""

import secrets
from datetime import datetime, timedelta
from decimal import Decimal

from . import validation as v
from .events import event_record, events_query, mask_secret
from .models import SandboxKey
from .sessions import sessions_close_for_key
from .wire import ApiError, Reply, SandboxRequest, iso, new_id, number, unix_ms

MB_PER_GB = Decimal(1024)


def new_secret() -> str:
    return f"pak_{secrets.token_hex(12)}"


def key_is_expired(key: SandboxKey, now: datetime) -> bool:
    return key.expires_at is not None and key.expires_at <= now


def key_payload(key: SandboxKey, *, now: datetime, reveal: bool = False) -> dict:
    used = Decimal(key.traffic_used_mb)
    return {
        "id": key.public_id,
        "key": key.secret if reveal else mask_secret(key.secret),
        "label": key.label,
        "enabled": key.enabled,
        "trafficCapGB": number(key.traffic_cap_gb),
        "trafficUsedMB": number(used),
        "trafficUsedGB": number((used / MB_PER_GB).quantize(Decimal("0.001"))),
        "expiresAt": iso(key.expires_at),
        "isExpired": key_is_expired(key, now),
        "lastUsedAt": iso(key.last_used_at),
        "createdAt": unix_ms(key.created_at),
        "updatedAt": unix_ms(key.updated_at),
    }


def _key_for_update(key_id: str) -> SandboxKey:
    key = SandboxKey.objects.select_for_update().filter(public_id=key_id).first()
    if key is None:
        raise ApiError(404, "pool_key_not_found", f"Pool key {key_id[:40]!r} not found.")
    return key


def key_mint(request: SandboxRequest, now: datetime) -> Reply:
    body = v.parse_body(request)
    v.only_fields(body, ("label", "trafficCapGB", "expiresAt"))
    label = v.label(body.get("label"))
    cap = None if body.get("trafficCapGB") is None else v.gigabytes(body["trafficCapGB"], "trafficCapGB")
    expires_at = None if body.get("expiresAt") is None else v.future_datetime(body["expiresAt"], "expiresAt", now=now)
    key = SandboxKey.objects.create(
        public_id=new_id("pk_"),
        secret=new_secret(),
        label=label,
        traffic_cap_gb=cap,
        expires_at=expires_at,
        created_at=now,
        updated_at=now,
    )
    metadata = {"label": label, "trafficCapGB": number(cap), "expiresAt": iso(expires_at)}
    event_record(action="create", now=now, pak_id=key.public_id, request=request, metadata=metadata)
    return Reply(201, key_payload(key, now=now, reveal=True))


def key_list(request: SandboxRequest, now: datetime) -> Reply:
    return Reply(200, [key_payload(key, now=now) for key in SandboxKey.objects.order_by("-created_at", "-id")])


def key_get(request: SandboxRequest, now: datetime, key_id: str) -> Reply:
    key = SandboxKey.objects.filter(public_id=key_id).first()
    if key is None:
        raise ApiError(404, "pool_key_not_found", f"Pool key {key_id[:40]!r} not found.")
    return Reply(200, key_payload(key, now=now))


def key_update(request: SandboxRequest, now: datetime, key_id: str) -> Reply:
    body = v.parse_body(request)
    v.only_fields(body, ("label", "enabled", "trafficCapGB", "expiresAt"))
    key = _key_for_update(key_id)
    new: dict[str, object] = {}
    if "label" in body:
        new["label"] = v.label(body["label"])
    if "enabled" in body:
        new["enabled"] = v.enabled(body["enabled"])
    if "trafficCapGB" in body:  # null: unbounded within the reseller's pool
        cap = body["trafficCapGB"]
        new["traffic_cap_gb"] = None if cap is None else v.gigabytes(cap, "trafficCapGB")
    if "expiresAt" in body:  # null removes the expiry (a perpetual key)
        expires_at = body["expiresAt"]
        new["expires_at"] = None if expires_at is None else v.future_datetime(expires_at, "expiresAt", now=now)
    changes = {}
    for field, value in new.items():
        if getattr(key, field) != value:
            changes[field] = {"from": getattr(key, field), "to": value}
            setattr(key, field, value)
    if changes:
        key.updated_at = now
        key.save()
        if changes.get("enabled", {}).get("to") is False:
            sessions_close_for_key(pak_id=key.public_id)  # enabled=false cuts traffic at once
        event_record(action="update", now=now, pak_id=key.public_id, request=request, metadata=_jsonable(changes))
    return Reply(200, key_payload(key, now=now))


_API_NAMES = {"label": "label", "enabled": "enabled", "traffic_cap_gb": "trafficCapGB", "expires_at": "expiresAt"}


def _jsonable(changes: dict) -> dict:
    """{"changes": {"trafficCapGB": {"from": 5, "to": 8}, ...}} in the API's names and formats."""
    out = {}
    for field, change in changes.items():
        out[_API_NAMES[field]] = {
            k: iso(x) if isinstance(x, datetime) else number(x) if isinstance(x, Decimal) else x
            for k, x in change.items()
        }
    return {"changes": out}


def key_top_up(request: SandboxRequest, now: datetime, key_id: str) -> Reply:
    body = v.parse_body(request)
    v.only_fields(body, ("addTrafficGB", "extendDays"))
    add = None if body.get("addTrafficGB") is None else v.gigabytes(body["addTrafficGB"], "addTrafficGB")
    days = None if body.get("extendDays") is None else v.days(body["extendDays"], "extendDays")
    if add is None and days is None:
        raise ApiError(400, "missing_parameter", "Give addTrafficGB, extendDays or both.", param="addTrafficGB")
    key = _key_for_update(key_id)
    cap_before, expires_before = key.traffic_cap_gb, key.expires_at
    if add is not None and key.traffic_cap_gb is not None:
        key.traffic_cap_gb = key.traffic_cap_gb + add  # a null cap (unbounded) stays null
    if days is not None:
        base = max(now, key.expires_at) if key.expires_at else now
        key.expires_at = base + timedelta(days=days)
    # Deliberately leaves `enabled` alone: a top-up never lifts a suspension.
    key.updated_at = now
    key.save()
    metadata = {
        "addTrafficGB": number(add),
        "extendDays": days,
        "trafficCapGB": {"from": number(cap_before), "to": number(key.traffic_cap_gb)},
        "expiresAt": {"from": iso(expires_before), "to": iso(key.expires_at)},
    }
    event_record(action="topup", now=now, pak_id=key.public_id, request=request, metadata=metadata)
    return Reply(200, key_payload(key, now=now))


def key_regenerate(request: SandboxRequest, now: datetime, key_id: str) -> Reply:
    v.only_fields(v.parse_body(request), ())
    key = _key_for_update(key_id)
    old_hint = mask_secret(key.secret)
    key.secret = new_secret()  # the old value stops matching at once
    key.updated_at = now
    key.save()
    sessions_close_for_key(pak_id=key.public_id)
    metadata = {"previousKey": old_hint, "newKey": mask_secret(key.secret)}
    event_record(action="regenerate", now=now, pak_id=key.public_id, request=request, metadata=metadata)
    return Reply(200, key_payload(key, now=now, reveal=True))


def key_reveal(request: SandboxRequest, now: datetime, key_id: str) -> Reply:
    v.only_fields(v.parse_body(request), ())
    key = _key_for_update(key_id)
    event_record(action="reveal", now=now, pak_id=key.public_id, request=request)
    return Reply(200, key_payload(key, now=now, reveal=True))


def key_delete(request: SandboxRequest, now: datetime, key_id: str) -> Reply:
    key = _key_for_update(key_id)
    sessions_close_for_key(pak_id=key.public_id)
    metadata = {"label": key.label, "trafficUsedMB": number(key.traffic_used_mb)}
    event_record(action="delete", now=now, pak_id=key.public_id, request=request, metadata=metadata)
    key.delete()
    return Reply(200, {"success": True, "message": "Pool key deleted"})


def audit_all(request: SandboxRequest, now: datetime) -> Reply:
    return Reply(200, events_query(request=request, now=now, limit=v.limit(request, maximum=500)))


def audit_key(request: SandboxRequest, now: datetime, key_id: str) -> Reply:
    if not SandboxKey.objects.filter(public_id=key_id).exists():
        raise ApiError(404, "pool_key_not_found", f"Pool key {key_id[:40]!r} not found.")
    limit = v.limit(request, maximum=200)
    return Reply(200, events_query(request=request, now=now, limit=limit, pak_id=key_id))
