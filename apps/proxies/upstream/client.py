"""PoolGatewayClient: the Proxies.sx Pool Gateway reseller API, typed.

The only module that talks to the upstream; the shop gets its instance from
`apps.proxies.services.client.upstream_client()`, which also picks the transport.
Arguments are checked before any request (ValueError); replies come back as records
(records.py); failures as the typed errors of errors.py, classed retryable or terminal.
Every write carries an Idempotency-Key: the caller's, derived from the domain object that
caused it, where the interface asks for one; a fresh random one otherwise (reused across the
retries of that one call).
"""

import random as _random
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

import httpx

from . import parsing
from .core import UpstreamCaller
from .records import (
    IDEMPOTENCY_KEY_PATTERN,
    AuditEventRecord,
    IncidentRecord,
    PoolKeyRecord,
    PricingRecord,
    SessionCloseResult,
    SessionRecord,
    StockRecord,
)
from .retry import RetryPolicy

KEYS = "/reseller/pool-keys"


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


def validate_idempotency_key(value: Any) -> str:
    if not isinstance(value, str) or not IDEMPOTENCY_KEY_PATTERN.fullmatch(value):
        shown = f"{len(value)} characters" if isinstance(value, str) else type(value).__name__
        raise ValueError(f"idempotency_key must be 8-128 characters of A-Z a-z 0-9 _ - (got {shown}).")
    return value


def new_idempotency_key() -> str:
    return f"sf-{uuid.uuid4().hex}"


class PoolGatewayClient:
    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        transport: httpx.BaseTransport | None = None,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        write_timeout: float | None = None,
        pool_timeout: float | None = None,
        max_attempts: int = 3,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        random: Callable[[], float] = _random.random,
    ) -> None:
        # Request bodies are small: writing one takes as long as connecting, at most.
        timeout = httpx.Timeout(
            connect=connect_timeout,
            read=read_timeout,
            write=write_timeout if write_timeout is not None else connect_timeout,
            pool=pool_timeout if pool_timeout is not None else connect_timeout,
        )
        self._caller = UpstreamCaller(
            base_url=base_url,
            api_key=api_key,
            transport=transport,
            timeout=timeout,
            policy=RetryPolicy(max_attempts=max_attempts),
            sleep=sleep,
            now=now,
            random=random,
        )
        self.base_url = base_url

    def __repr__(self) -> str:
        return f"<PoolGatewayClient {self.base_url}>"

    def close(self) -> None:
        self._caller.close()

    def __enter__(self) -> "PoolGatewayClient":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # Pool keys -----------------------------------------------------------------------------

    def create_key(
        self, *, label: str, traffic_cap_gb: Decimal | None, expires_at: datetime | None, idempotency_key: str
    ) -> PoolKeyRecord:
        body: dict[str, Any] = {"label": _label(label)}
        if traffic_cap_gb is not None:
            body["trafficCapGB"] = _gb(traffic_cap_gb, "traffic_cap_gb")
        if expires_at is not None:
            body["expiresAt"] = _iso(expires_at, "expires_at")
        return self._write(
            "POST", KEYS, "create_key", idempotency_key, body=body, parse=parsing.parse_pool_key_with_secret
        )

    def list_keys(self) -> list[PoolKeyRecord]:
        return self._caller.call("GET", KEYS, op="list_keys", parse=parsing.parse_pool_keys)

    def get_key(self, key_id: str) -> PoolKeyRecord:
        return self._caller.call("GET", _key_path(key_id), op="get_key", parse=parsing.parse_pool_key)

    def update_key(
        self,
        key_id: str,
        *,
        idempotency_key: str,
        label: Any = UNSET,
        enabled: Any = UNSET,
        traffic_cap_gb: Any = UNSET,
        expires_at: Any = UNSET,
    ) -> PoolKeyRecord:
        """Change only the fields given. None removes the cap or the expiry."""
        body: dict[str, Any] = {}
        if label is not UNSET:
            body["label"] = _label(label)
        if enabled is not UNSET:
            if not isinstance(enabled, bool):
                raise ValueError("enabled must be True or False.")
            body["enabled"] = enabled
        if traffic_cap_gb is not UNSET:
            body["trafficCapGB"] = None if traffic_cap_gb is None else _gb(traffic_cap_gb, "traffic_cap_gb")
        if expires_at is not UNSET:
            body["expiresAt"] = None if expires_at is None else _iso(expires_at, "expires_at")
        return self._write(
            "PATCH", _key_path(key_id), "update_key", idempotency_key, body=body, parse=parsing.parse_pool_key
        )

    def top_up_key(
        self,
        key_id: str,
        *,
        add_traffic_gb: Decimal | None = None,
        extend_days: int | None = None,
        idempotency_key: str,
    ) -> PoolKeyRecord:
        if add_traffic_gb is None and extend_days is None:
            raise ValueError("A top-up needs add_traffic_gb, extend_days or both.")
        body: dict[str, Any] = {}
        if add_traffic_gb is not None:
            body["addTrafficGB"] = _gb(add_traffic_gb, "add_traffic_gb", positive=True)
        if extend_days is not None:
            if isinstance(extend_days, bool) or not isinstance(extend_days, int) or extend_days <= 0:
                raise ValueError(f"extend_days must be a whole number of days > 0, got {extend_days!r}.")
            body["extendDays"] = extend_days
        path = f"{_key_path(key_id)}/topup"
        return self._write("POST", path, "top_up_key", idempotency_key, body=body, parse=parsing.parse_pool_key)

    def regenerate_key(self, key_id: str, *, idempotency_key: str) -> PoolKeyRecord:
        path = f"{_key_path(key_id)}/regenerate"
        return self._write("POST", path, "regenerate_key", idempotency_key, parse=parsing.parse_pool_key_with_secret)

    def reveal_key(self, key_id: str, *, idempotency_key: str | None = None) -> PoolKeyRecord:
        """Audited unmask (writes a `reveal` event upstream). Show the secret, never log it."""
        path = f"{_key_path(key_id)}/reveal"
        key = idempotency_key or new_idempotency_key()
        return self._write("POST", path, "reveal_key", key, parse=parsing.parse_pool_key_with_secret)

    def delete_key(self, key_id: str, *, idempotency_key: str) -> None:
        self._write("DELETE", _key_path(key_id), "delete_key", idempotency_key)

    def audit(
        self, *, action: str | None = None, before: datetime | str | None = None, limit: int | None = None
    ) -> list[AuditEventRecord]:
        params = _audit_params(before=before, limit=limit, max_limit=500)
        if action is not None:
            if not isinstance(action, str) or not action:
                raise ValueError("action must be a non-empty string.")
            params["action"] = action
        return self._caller.call("GET", f"{KEYS}/audit", op="audit", params=params, parse=parsing.parse_audit_events)

    def key_audit(
        self, key_id: str, *, before: datetime | str | None = None, limit: int | None = None
    ) -> list[AuditEventRecord]:
        params = _audit_params(before=before, limit=limit, max_limit=200)
        return self._caller.call(
            "GET", f"{_key_path(key_id)}/audit", op="key_audit", params=params, parse=parsing.parse_audit_events
        )

    # Gateway feeds -------------------------------------------------------------------------

    def stock(self) -> StockRecord:
        return self._caller.call(
            "GET", "/gateway/pool/stock", op="stock", parse=parsing.parse_stock, authenticated=False
        )

    def incidents(self) -> list[IncidentRecord]:
        return self._caller.call(
            "GET", "/gateway/incidents", op="incidents", parse=parsing.parse_incidents, authenticated=False
        )

    def sessions(self) -> list[SessionRecord]:
        return self._caller.call("GET", "/gateway/pool/my-sessions", op="sessions", parse=parsing.parse_sessions)

    def close_session(self, session_key: str, *, idempotency_key: str | None = None) -> SessionCloseResult:
        path = f"/gateway/pool/my-sessions/{_segment(session_key, 'session_key')}"
        key = idempotency_key or new_idempotency_key()
        return self._write("DELETE", path, "close_session", key, parse=parsing.parse_session_close)

    def close_all_sessions(self, *, idempotency_key: str | None = None) -> SessionCloseResult:
        key = idempotency_key or new_idempotency_key()
        return self._write(
            "DELETE", "/gateway/pool/my-sessions", "close_all_sessions", key, parse=parsing.parse_session_close
        )

    def pricing(self) -> PricingRecord:
        return self._caller.call("GET", "/x402/pricing", op="pricing", parse=parsing.parse_pricing, authenticated=False)

    # ---------------------------------------------------------------------------------------

    def _write(
        self, method: str, path: str, op: str, idempotency_key: str, *, body: dict | None = None, parse=None
    ) -> Any:
        return self._caller.call(
            method, path, op=op, body=body, idempotency_key=validate_idempotency_key(idempotency_key), parse=parse
        )


# Argument checks and encodings ---------------------------------------------------------------


def _segment(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be a non-empty string.")
    # One path segment: "/", "?", "#" and ".." can never reach another endpoint.
    return quote(value, safe=":@")


def _key_path(key_id: Any) -> str:
    return f"{KEYS}/{_segment(key_id, 'key_id')}"


def _label(label: Any) -> str:
    if not isinstance(label, str) or not label.strip():
        raise ValueError("label must be a non-empty string.")
    return label


def _gb(value: Any, name: str, *, positive: bool = False) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float | str):
        raise ValueError(f"{name} must be a number of GB, got {type(value).__name__}.")
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"{name} must be a number of GB, got {value!r}.") from None
    if not amount.is_finite() or amount < 0 or (positive and amount == 0):
        raise ValueError(f"{name} must be a number of GB {'> 0' if positive else '>= 0'}, got {value!r}.")
    return amount


def _iso(value: Any, name: str) -> str:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValueError(f"{name} must be a timezone-aware datetime.")
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _audit_params(*, before: datetime | str | None, limit: int | None, max_limit: int) -> dict[str, Any]:
    params: dict[str, Any] = {}
    if before is not None:
        if isinstance(before, datetime):
            params["before"] = _iso(before, "before")
        elif isinstance(before, str) and before:
            params["before"] = before
        else:
            raise ValueError("before must be a datetime or a non-empty string.")
    if limit is not None:
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= max_limit:
            raise ValueError(f"limit must be a whole number from 1 to {max_limit}, got {limit!r}.")
        params["limit"] = limit
    return params
