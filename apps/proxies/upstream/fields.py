"""Typed reads from decoded JSON for parsing.py. Each failure is an UpstreamBadResponse that
names the field, e.g. ``keys[2].trafficUsedMB: expected a number, got 'abc'``; shown values are
shortened and masked."""

import re
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from apps.core.logging import mask_secrets

from .errors import UpstreamBadResponse

MISSING = object()
# Unix ms between 1970 and 9999.
_MAX_MS = 253402300799999


def show_value(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    text = repr(value) if isinstance(value, str) else str(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return mask_secrets(text)


def bad_field(field: str, expected: str, value: Any = MISSING) -> UpstreamBadResponse:
    got = "nothing (missing)" if value is MISSING else show_value(value)
    return UpstreamBadResponse(f"{field}: expected {expected}, got {got}", field=field)


def field_path(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


class JsonObject:
    """Typed reads from one JSON object, each naming its field on failure."""

    def __init__(self, data: Any, field: str) -> None:
        if not isinstance(data, dict):
            raise bad_field(field or "body", "an object", data)
        self.data = data
        self.field = field

    def _get(self, name: str, required: bool) -> Any:
        value = self.data.get(name, MISSING)
        if value is MISSING and required:
            raise bad_field(field_path(self.field, name), "a value")
        return value

    def string(self, name: str, *, required: bool = True, nullable: bool = False, default: Any = None) -> Any:
        value = self._get(name, required)
        if value is MISSING or (value is None and nullable):
            return default
        if not isinstance(value, str):
            raise bad_field(field_path(self.field, name), "a string", value)
        return value

    def boolean(self, name: str, *, required: bool = True, default: Any = None) -> Any:
        value = self._get(name, required)
        if value is MISSING or (value is None and not required):
            return default
        if not isinstance(value, bool):
            raise bad_field(field_path(self.field, name), "true or false", value)
        return value

    def number(self, name: str, *, required: bool = True, nullable: bool = False, minimum: int | None = 0) -> Any:
        value = self._get(name, required)
        if value is MISSING or (value is None and nullable):
            return None
        return to_decimal(value, field_path(self.field, name), minimum=minimum)

    def integer(self, name: str, *, required: bool = True, nullable: bool = False, default: Any = None) -> Any:
        value = self._get(name, required)
        if value is MISSING or (value is None and nullable):
            return default
        return to_int(value, field_path(self.field, name))

    def date(self, name: str, *, required: bool = True, nullable: bool = True) -> Any:
        value = self._get(name, required)
        if value is MISSING or (value is None and nullable):
            return None
        return to_datetime(value, field_path(self.field, name))

    def child(self, name: str) -> "JsonObject":
        return JsonObject(self._get(name, True), field_path(self.field, name))


def to_decimal(value: Any, field: str, *, minimum: int | None = 0) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal | float | str):
        raise bad_field(field, "a number", value)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise bad_field(field, "a number", value) from None
    if not number.is_finite():
        raise bad_field(field, "a finite number", value)
    if minimum is not None and number < minimum:
        raise bad_field(field, f"a number >= {minimum}", value)
    return number


def to_int(value: Any, field: str) -> int:
    if isinstance(value, bool):
        raise bad_field(field, "a whole number", value)
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d{1,18}", value.strip()):
        return int(value)
    raise bad_field(field, "a whole number", value)


def to_datetime(value: Any, field: str) -> datetime:
    """ISO 8601 string (naive means UTC) or unix milliseconds (number or digit string)."""
    expected = "a date (ISO 8601 or unix ms)"
    if isinstance(value, str) and re.fullmatch(r"\d{1,15}", value.strip()):
        value = int(value)
    if isinstance(value, bool):
        raise bad_field(field, expected, value)
    if isinstance(value, int | Decimal):
        if (isinstance(value, Decimal) and not value.is_finite()) or not 0 <= value <= _MAX_MS:
            raise bad_field(field, expected, value)
        return datetime.fromtimestamp(float(value) / 1000, tz=UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise bad_field(field, expected, value) from None
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    raise bad_field(field, expected, value)


def to_id(data: dict, field: str, names: tuple[str, ...] = ("id", "_id")) -> str:
    """A record id: a non-empty string (or a number, stringified)."""
    for name in names:
        if name in data:
            value = data[name]
            if isinstance(value, str) and value.strip() or isinstance(value, int) and not isinstance(value, bool):
                return str(value)
            raise bad_field(field_path(field, name), "a non-empty id", value)
    raise bad_field(field_path(field, names[0]), "a non-empty id")


def items_of(data: Any, field: str, envelopes: tuple[str, ...]) -> list:
    """A JSON array, or an object wrapping one under one of `envelopes`."""
    if isinstance(data, dict):
        for name in envelopes:
            if isinstance(data.get(name), list):
                return data[name]
    if not isinstance(data, list):
        raise bad_field(field, "a list", data)
    return data


def parse_list[T](data: Any, field: str, envelopes: tuple[str, ...], parse: Callable[[Any, str], T]) -> list[T]:
    return [parse(item, f"{field}[{index}]") for index, item in enumerate(items_of(data, field, envelopes))]
