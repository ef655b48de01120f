"""Upstream replies -> typed records (records.py), validated.

Every shape problem raises UpstreamBadResponse naming the field, e.g.
``keys[2].trafficUsedMB: expected a number, got 'abc'`` — never a KeyError or TypeError.
Numbers arrive as int or Decimal (the client decodes JSON with ``parse_float=Decimal``);
numeric strings are accepted too. Dates are ISO 8601 strings or unix milliseconds.
No message ever echoes a secret: the secret field is never shown and all text is masked.
"""

import re
from decimal import Decimal
from typing import Any

from apps.core.logging import mask_secrets

from .errors import UpstreamBadResponse
from .fields import JsonObject, bad_field, field_path, parse_list, to_id, to_int
from .records import (
    AuditEventRecord,
    IncidentRecord,
    PoolKeyRecord,
    PricingRecord,
    SessionCloseResult,
    SessionRecord,
    StockRecord,
)

# A usable secret; anything else under key/secret (e.g. "pak_****1a2b") is a masked value.
_SECRET_RE = re.compile(r"^pak_[A-Za-z0-9]{16,128}$")


# Pool keys ---------------------------------------------------------------------------------


def _secret(obj: JsonObject) -> str | None:
    """The secret under `key` (contract) or `secret` (one seed). Its value is never echoed."""
    for name in ("key", "secret"):
        value = obj.data.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            raise UpstreamBadResponse(
                f"{field_path(obj.field, name)}: expected a string", field=field_path(obj.field, name)
            )
        if _SECRET_RE.fullmatch(value):
            return value
    return None  # absent or masked


def parse_pool_key(data: Any, field: str = "", *, require_secret: bool = False) -> PoolKeyRecord:
    obj = JsonObject(data, field)
    key_id = to_id(obj.data, field)
    used_mb = obj.number("trafficUsedMB", required=False, nullable=True)
    if used_mb is None:
        # Mint replies may carry only the display value in GB; a fresh key has used nothing.
        used_gb = obj.number("trafficUsedGB", required=False, nullable=True)
        used_mb = used_gb * 1024 if used_gb is not None else Decimal(0)
    secret = _secret(obj)
    if require_secret and secret is None:
        raise UpstreamBadResponse(
            f"{field_path(field, 'key')}: expected the full pak_ secret, got nothing usable",
            field=field_path(field, "key"),
        )
    return PoolKeyRecord(
        id=key_id,
        label=obj.string("label", required=False, nullable=True, default=""),
        enabled=obj.boolean("enabled"),
        traffic_cap_gb=obj.number("trafficCapGB", required=False, nullable=True),
        traffic_used_mb=used_mb,
        expires_at=obj.date("expiresAt", required=False),
        last_used_at=obj.date("lastUsedAt", required=False),
        created_at=obj.date("createdAt", required=False),
        updated_at=obj.date("updatedAt", required=False),
        is_expired=obj.boolean("isExpired", required=False),
        secret=secret,
    )


def parse_pool_keys(data: Any) -> list[PoolKeyRecord]:
    return parse_list(data, "keys", ("keys", "data", "items"), parse_pool_key)


def parse_pool_key_with_secret(data: Any) -> PoolKeyRecord:
    return parse_pool_key(data, require_secret=True)


# Audit -------------------------------------------------------------------------------------


def parse_audit_event(data: Any, field: str = "") -> AuditEventRecord:
    obj = JsonObject(data, field)
    metadata = obj.data.get("metadata")
    if metadata is None:
        metadata = {}
    elif not isinstance(metadata, dict):
        raise bad_field(field_path(field, "metadata"), "an object", metadata)
    event_id = to_id(obj.data, field)
    return AuditEventRecord(
        id=event_id,
        action=obj.string("action"),
        created_at=obj.date("createdAt", nullable=False),
        pak_id=obj.string("pakId", required=False, nullable=True),
        ip=obj.string("ip", required=False, nullable=True),
        user_agent=obj.string("userAgent", required=False, nullable=True),
        request_id=obj.string("requestId", required=False, nullable=True),
        auth_method=obj.string("authMethod", required=False, nullable=True),
        metadata=metadata,
    )


def parse_audit_events(data: Any) -> list[AuditEventRecord]:
    return parse_list(data, "events", ("events", "data", "items"), parse_audit_event)


# Gateway feeds -----------------------------------------------------------------------------


def _counts(data: Any, field: str) -> dict[str, int]:
    if not isinstance(data, dict):
        raise bad_field(field, "an object", data)
    counts = {}
    for name, value in data.items():
        count = to_int(value, f"{field}.{name}")
        if count < 0:
            raise bad_field(f"{field}.{name}", "a count >= 0", value)
        counts[str(name).lower()] = count
    return counts


def parse_stock(data: Any) -> StockRecord:
    obj = JsonObject(data, "")
    pools_raw = obj._get("pools", True)
    if not isinstance(pools_raw, dict):
        raise bad_field("pools", "an object", pools_raw)
    pools = {str(pool): _counts(countries, f"pools.{pool}") for pool, countries in pools_raw.items()}
    totals_raw = obj.data.get("totals")
    if totals_raw is None:
        totals = {pool: sum(countries.values()) for pool, countries in pools.items()}
        totals["all"] = sum(totals.values())
    else:
        totals = _counts(totals_raw, "totals")
    return StockRecord(pools=pools, totals=totals, generated_at=obj.date("generatedAt", required=False))


def parse_incident(data: Any, field: str = "") -> IncidentRecord:
    obj = JsonObject(data, field)
    affects = obj.data.get("affects") or []
    if not isinstance(affects, list) or not all(isinstance(item, str) for item in affects):
        raise bad_field(field_path(field, "affects"), "a list of strings", affects)
    severity = obj.string("severity").strip().lower()
    if not severity:
        raise bad_field(field_path(field, "severity"), "a severity", "")
    return IncidentRecord(
        id=to_id(obj.data, field),
        # Unknown severities are kept (the feed may grow new ones); templates fall back on them.
        severity=severity,
        title=obj.string("title"),
        started_at=obj.date("startedAt", nullable=False),
        description=obj.string("description", required=False, nullable=True, default="") or "",
        resolved_at=obj.date("resolvedAt", required=False),
        affects=tuple(affects),
    )


def parse_incidents(data: Any) -> list[IncidentRecord]:
    return parse_list(data, "incidents", ("incidents", "data", "items"), parse_incident)


def parse_session(data: Any, field: str = "") -> SessionRecord:
    obj = JsonObject(data, field)
    session_id = obj.string("sessionId", required=False, nullable=True, default="") or ""
    synthesized = obj.boolean("isSynthesizedSid", required=False)
    if synthesized is None:
        synthesized = session_id.startswith(("auto_", "socks5_"))
    return SessionRecord(
        session_key=obj.string("sessionKey"),
        session_id=session_id,
        pool=obj.string("pool", required=False, nullable=True, default="") or "",
        country=(obj.string("country", required=False, nullable=True, default="") or "").lower(),
        carrier=obj.string("carrier", required=False, nullable=True),
        current_ip=obj.string("currentIp", required=False, nullable=True),
        created_at=obj.date("createdAt", required=False),
        last_activity_at=obj.date("lastActivityAt", required=False),
        expires_at=obj.date("expiresAt", required=False),
        request_count=obj.integer("requestCount", required=False, nullable=True, default=0),
        bytes_in=obj.integer("bytesIn", required=False, nullable=True, default=0),
        bytes_out=obj.integer("bytesOut", required=False, nullable=True, default=0),
        rotation=obj.string("rotation", required=False, nullable=True),
        ttl=obj.integer("ttl", required=False, nullable=True),
        is_synthesized_sid=synthesized,
        account_id=_opt_id(obj, "accountId"),
        endpoint_id=_opt_id(obj, "endpointId"),
        proxy_url=obj.string("proxyUrl", required=False, nullable=True, default="") or "",
        socks5_url=obj.string("socks5Url", required=False, nullable=True, default="") or "",
    )


def _opt_id(obj: JsonObject, name: str) -> str | None:
    value = obj.data.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise bad_field(field_path(obj.field, name), "an id", value)
    return str(value)


def parse_sessions(data: Any) -> list[SessionRecord]:
    return parse_list(data, "sessions", ("sessions",), parse_session)


def parse_session_close(data: Any) -> SessionCloseResult:
    obj = JsonObject(data, "")
    return SessionCloseResult(
        success=obj.boolean("success"),
        message=obj.string("message", required=False, nullable=True, default="") or "",
        count=obj.integer("count", required=False, nullable=True),
    )


def parse_pricing(data: Any) -> PricingRecord:
    obj = JsonObject(data, "")
    shared_per_gb = None
    if obj.data.get("shared") is not None:
        shared_per_gb = obj.child("shared").number("perGB", required=False, nullable=True)
    currency = obj.string("currency", required=False, nullable=True, default="USD") or "USD"
    return PricingRecord(currency=currency, shared_per_gb=shared_per_gb, raw=dict(obj.data))


# Error bodies ------------------------------------------------------------------------------


def parse_error_body(data: Any) -> tuple[str, str | None, str | None]:
    """(message, code, request id) from the shapes seen upstream: NestJS
    ``{statusCode, message: str | [str], error}``, ``{error: {message, code, request_id}}``,
    or ``{message, code}``. Masked and shortened; never raises."""
    message, code, request_id = "", None, None
    if isinstance(data, dict):
        error = data.get("error")
        inner: dict[Any, Any] = error if isinstance(error, dict) else data
        raw = inner.get("message") or inner.get("detail") or (data.get("error") if inner is data else None)
        if isinstance(raw, list):
            message = "; ".join(str(item) for item in raw)
        elif isinstance(raw, str | int | float):
            message = str(raw)
        raw_code = inner.get("code") or inner.get("type")
        code = str(raw_code) if isinstance(raw_code, str | int) and not isinstance(raw_code, bool) else None
        raw_id = inner.get("request_id") or inner.get("requestId") or data.get("requestId")
        request_id = str(raw_id) if isinstance(raw_id, str) else None
    elif isinstance(data, str):
        message = data
    return _clean(message), _clean(code) if code else None, _clean(request_id) if request_id else None


def _clean(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return mask_secrets(text)
