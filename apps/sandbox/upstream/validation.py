"""Body and query validation. Malformed input (bad JSON, wrong types, unknown or missing fields)
is a 400; well-formed values that break a business rule (a cap of 0, an expiry in the past) are a
422, as in the error table of the seeds."""

import json
import re
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .wire import ApiError, SandboxRequest

MAX_GB = Decimal("100000")
MAX_DAYS = 3650
IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{8,128}$")
_GB_STEP = Decimal("0.001")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse_body(request: SandboxRequest) -> dict[str, Any]:
    """The JSON object in the body; an empty body counts as {}."""
    if not request.body.strip():
        return {}
    try:
        data = json.loads(request.body, parse_float=Decimal, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, "invalid_json", f"The request body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", "The request body must be a JSON object.")
    return data


def only_fields(body: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise ApiError(
            400,
            "unknown_parameter",
            f"Unknown field {unknown[0]!r}; allowed: {', '.join(allowed)}.",
            param=unknown[0],
        )


def label(value: Any) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ApiError(400, "missing_parameter", "label is required and must not be empty.", param="label")
    if not isinstance(value, str):
        raise ApiError(400, "invalid_parameter", "label must be a string.", param="label")
    value = value.strip()
    if len(value) > 200:
        raise ApiError(400, "invalid_parameter", "label must be at most 200 characters.", param="label")
    return value


def _number(value: Any, param: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise ApiError(400, "invalid_parameter", f"{param} must be a number.", param=param)
    return Decimal(value)


def gigabytes(value: Any, param: str) -> Decimal:
    """A positive amount of GB (at most three decimals are kept)."""
    amount = _number(value, param).quantize(_GB_STEP, rounding=ROUND_HALF_UP)
    if amount <= 0:
        raise ApiError(422, "value_out_of_range", f"{param} must be greater than 0.", param=param)
    if amount > MAX_GB:
        raise ApiError(422, "value_out_of_range", f"{param} must be at most {MAX_GB}.", param=param)
    return amount


def days(value: Any, param: str) -> int:
    amount = _number(value, param)
    if amount != amount.to_integral_value():
        raise ApiError(400, "invalid_parameter", f"{param} must be a whole number of days.", param=param)
    if amount <= 0 or amount > MAX_DAYS:
        raise ApiError(422, "value_out_of_range", f"{param} must be between 1 and {MAX_DAYS}.", param=param)
    return int(amount)


def enabled(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ApiError(400, "invalid_parameter", "enabled must be true or false.", param="enabled")
    return value


def parse_datetime(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def future_datetime(value: Any, param: str, *, now: datetime) -> datetime:
    if not isinstance(value, str):
        raise ApiError(400, "invalid_parameter", f"{param} must be an ISO 8601 datetime string or null.", param=param)
    parsed = parse_datetime(value)
    if parsed is None:
        raise ApiError(400, "invalid_parameter", f"{param} is not an ISO 8601 datetime: {value[:40]!r}.", param=param)
    if parsed <= now:
        raise ApiError(422, "expires_at_in_past", f"{param} must be in the future.", param=param)
    return parsed


def limit(request: SandboxRequest, *, maximum: int, default: int = 50) -> int:
    raw = request.query.get("limit", "")
    if raw == "":
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise ApiError(400, "invalid_parameter", f"limit must be a whole number from 1 to {maximum}.", param="limit")
    return int(raw)


def idempotency_key(request: SandboxRequest) -> str | None:
    raw = request.headers.get("idempotency-key")
    if raw is None:
        return None
    if not IDEMPOTENCY_KEY.match(raw):
        raise ApiError(
            400,
            "invalid_idempotency_key",
            "Idempotency-Key must be 8 to 128 characters of A-Z, a-z, 0-9, '_' and '-'.",
            param="Idempotency-Key",
        )
    return raw
