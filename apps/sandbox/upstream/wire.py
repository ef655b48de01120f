"""What goes over the wire: the request the API core sees, its reply, the error envelope, and the
formats the upstream uses (ISO datetimes with milliseconds, unix milliseconds, JSON numbers)."""

import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

JSON_CONTENT_TYPE = "application/json; charset=utf-8"

# Error codes per status, in the envelope the seeds show: {"error": {"type", "code", "message", ...}}.
ERROR_TYPES = {
    400: "invalid_request",
    401: "authentication_required",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    422: "unprocessable_entity",
    429: "rate_limited",
    500: "internal_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}


def new_id(prefix: str, nbytes: int = 10) -> str:
    return f"{prefix}{secrets.token_hex(nbytes)}"


def new_request_id() -> str:
    return new_id("req_", 12)


@dataclass
class SandboxRequest:
    method: str
    path: str  # the path after /v1, percent-decoded segment by segment
    segments: tuple[str, ...]
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes
    client_ip: str
    request_id: str = field(default_factory=new_request_id)

    @property
    def user_agent(self) -> str:
        return self.headers.get("user-agent", "")[:300]


@dataclass
class Reply:
    status: int
    payload: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None  # a cached body replayed byte for byte

    def body_bytes(self) -> bytes:
        if self.raw is not None:
            return self.raw
        if self.payload is None:
            return b""
        return dumps(self.payload)


class ApiError(Exception):
    """Raised by handlers; the core turns it into the JSON error envelope."""

    def __init__(
        self, status: int, code: str, message: str, *, param: str | None = None, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.param = param
        self.headers = headers or {}


def error_payload(status: int, code: str, message: str, *, request_id: str, param: str | None = None) -> dict:
    error = {"type": ERROR_TYPES.get(status, "error"), "code": code, "message": message, "request_id": request_id}
    if param:
        error["param"] = param
    return {"error": error}


def error_reply(error: ApiError, *, request_id: str) -> Reply:
    payload = error_payload(error.status, error.code, error.message, request_id=request_id, param=error.param)
    return Reply(error.status, payload, dict(error.headers))


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime):
        return iso(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def dumps(payload: Any) -> bytes:
    return json.dumps(payload, default=_default, separators=(",", ":")).encode()


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def unix_ms(value: datetime | None) -> int | None:
    if value is None:
        return None
    return int(value.timestamp() * 1000)


def number(value: Decimal | None) -> int | float | None:
    return None if value is None else _default(value.normalize())
