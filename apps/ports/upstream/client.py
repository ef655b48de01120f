"""PortsClient: the Proxies.sx dedicated ports API, typed (docs/ports-contract.md).

The shop gets its instance from `apps.ports.services.client.ports_client()`, which also picks
the transport. Same engine as the pool client (timeouts, bounded retries with backoff, masked
logging, health); arguments are checked before any request (ValueError); replies come back as
records; failures as the pool client's typed errors plus PortRotationCooldown and
PortNoCapacity. Every write carries an Idempotency-Key (the caller's where the interface asks
for one, derived from the domain event that caused it).

Where the seed is silent the method says which assumption (A1-A10) it encodes.
"""

import random as _random
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from apps.proxies.upstream.client import new_idempotency_key, validate_idempotency_key
from apps.proxies.upstream.retry import RetryPolicy

from . import parsing
from .caller import PortsCaller
from .records import (
    OS_FINGERPRINT_VALUES,
    SLOT_TYPES,
    USAGE_PERIODS,
    AccountRecord,
    AccountSummaryRecord,
    BalanceBreakdownRecord,
    CanRotateRecord,
    CarrierRecord,
    CountryRecord,
    OsFingerprintOption,
    PingRecord,
    PortIpRecord,
    PortRecord,
    PortStatusRecord,
    RotateResult,
    RotationHistoryRecord,
    RotationSettingsRecord,
    TariffRecord,
    UsageRecord,
)

PORTS = "/ports"
# A2: the name the shop gives a port, to find it again.
DISPLAY_NAME_PATTERN = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
# Credentials end up in `scheme://login:password@host:port`: no separators, no spaces.
CREDENTIAL_PATTERN = re.compile(r"^[A-Za-z0-9_.~-]{4,64}$")
MAX_LIFETIME_SECONDS = 3650 * 86_400
MAX_INTERVAL_SECONDS = 86_400


class PortsClient:
    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        transport: httpx.BaseTransport | None = None,
        connect_timeout: float = 5.0,
        read_timeout: float = 30.0,
        max_attempts: int = 3,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        random: Callable[[], float] = _random.random,
    ) -> None:
        timeout = httpx.Timeout(connect=connect_timeout, read=read_timeout, write=connect_timeout, pool=connect_timeout)
        self._caller = PortsCaller(
            base_url=base_url,
            api_key=api_key,
            transport=transport,
            timeout=timeout,
            policy=RetryPolicy(max_attempts=max_attempts),
            sleep=sleep,
            now=now,
            random=random,
        )
        self.base_url = base_url.rstrip("/")

    def __repr__(self) -> str:
        return f"<PortsClient {self.base_url}>"

    def close(self) -> None:
        self._caller.close()

    def __enter__(self) -> "PortsClient":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # Reference data ------------------------------------------------------------------------

    def countries(self) -> list[CountryRecord]:
        return self._get("/countries/with-devices", "countries", parsing.parse_countries)

    def carriers(self, country_id: str) -> list[CarrierRecord]:
        path = f"/carriers/country/{_segment(country_id, 'country_id')}"
        return self._caller.call(
            "GET", path, op="carriers", params={"withDevice": "true"}, parse=parsing.parse_carriers
        )

    def tariffs(self) -> list[TariffRecord]:
        return self._get("/tariffs", "tariffs", parsing.parse_tariffs)

    # Ports ---------------------------------------------------------------------------------

    def list_ports(self) -> list[PortRecord]:
        return self._get(PORTS, "list_ports", parsing.parse_ports)

    def get_port(self, port_id: str) -> PortRecord:
        """The full record, password and rotation token included: never log or store them."""
        return self._get(_port_path(port_id), "get_port", parsing.parse_port)

    def create_port(
        self,
        *,
        country_id: str,
        lifetime_seconds: int,
        slot_type: str,
        display_name: str,
        idempotency_key: str,
        carrier_id: str | None = None,
        os_fingerprint: str | None = None,
    ) -> PortRecord:
        """A new port in a free slot (A1: `slotType`; A2: `displayName`; A3: the key is sent,
        not relied on). The reply is a subset of the port: get it for the rest."""
        body: dict[str, Any] = {
            "countryId": _id(country_id, "country_id"),
            "expiresAt": _whole(lifetime_seconds, "lifetime_seconds", 3600, MAX_LIFETIME_SECONDS),
            "slotType": _slot_type(slot_type),
            "displayName": _display_name(display_name),
        }
        if carrier_id is not None:
            body["carrierId"] = _id(carrier_id, "carrier_id")
        if os_fingerprint is not None:
            body["osFingerprint"] = _fingerprint(os_fingerprint)
        return self._write(
            "POST", PORTS, "create_port", idempotency_key, body=body, parse=parsing.parse_port_with_password
        )

    def delete_port(self, port_id: str, *, idempotency_key: str) -> str:
        return self._write("DELETE", _port_path(port_id), "delete_port", idempotency_key, parse=parsing.parse_message)

    def renew_port(self, port_id: str, *, expires_at: datetime, idempotency_key: str) -> PortRecord:
        """A4: sets an absolute expiry, so a repeat cannot extend twice."""
        body = {"expiresAt": _unix_ms(expires_at, "expires_at")}
        path = f"{_port_path(port_id)}/renew"
        return self._write("POST", path, "renew_port", idempotency_key, body=body, parse=parsing.parse_port)

    def port_status(self, port_id: str) -> PortStatusRecord:
        return self._get(f"{_port_path(port_id)}/status", "port_status", parsing.parse_status)

    def ping_port(self, port_id: str) -> PingRecord:
        return self._get(f"{_port_path(port_id)}/ping", "ping_port", parsing.parse_ping)

    def port_ip(self, port_id: str) -> PortIpRecord:
        return self._get(f"{_port_path(port_id)}/ip", "port_ip", parsing.parse_ip)

    def os_fingerprints(self, port_id: str) -> list[OsFingerprintOption]:
        return self._get(f"{_port_path(port_id)}/os-fingerprints", "os_fingerprints", parsing.parse_fingerprint_options)

    def reconfigure_port(
        self, port_id: str, *, country_id: str, idempotency_key: str, carrier_id: str | None = None
    ) -> PortRecord:
        """A8 (PATCH), A9 (the port back)."""
        body: dict[str, Any] = {"countryId": _id(country_id, "country_id")}
        if carrier_id is not None:
            body["carrierId"] = _id(carrier_id, "carrier_id")
        path = f"{_port_path(port_id)}/reconfigure"
        return self._write("PATCH", path, "reconfigure_port", idempotency_key, body=body, parse=parsing.parse_port)

    def change_credentials(self, port_id: str, *, login: str, password: str, idempotency_key: str) -> PortRecord:
        """A8 (PATCH). The password travels only in the body; it is masked in every log line."""
        body = {"proxyLogin": _credential(login, "login"), "proxyPassword": _credential(password, "password")}
        path = f"{_port_path(port_id)}/credentials"
        return self._write("PATCH", path, "change_credentials", idempotency_key, body=body, parse=parsing.parse_port)

    def set_os_fingerprint(self, port_id: str, *, value: str, idempotency_key: str) -> PortRecord:
        body = {"osFingerprint": _fingerprint(value)}
        path = f"{_port_path(port_id)}/os-fingerprint"
        return self._write("PATCH", path, "set_os_fingerprint", idempotency_key, body=body, parse=parsing.parse_port)

    # Rotation ------------------------------------------------------------------------------

    def rotate_port(self, port_id: str, *, idempotency_key: str) -> RotateResult:
        """Raises PortRotationCooldown (terminal, with retry_after) inside the cooldown."""
        path = f"{_port_path(port_id)}/rotate"
        return self._write("POST", path, "rotate_port", idempotency_key, parse=parsing.parse_rotate)

    def can_rotate(self, port_id: str) -> CanRotateRecord:
        return self._get(f"{_port_path(port_id)}/can-rotate", "can_rotate", parsing.parse_can_rotate)

    def set_rotation_settings(
        self,
        port_id: str,
        *,
        enabled: bool,
        interval_seconds: int,
        idempotency_key: str,
        match_carrier: bool | None = None,
        match_city: bool | None = None,
    ) -> RotationSettingsRecord:
        """The interval's bounds depend on the port's type (records.AUTO_ROTATION_BOUNDS); the
        client checks only the widest ones, the services check the port's own."""
        if not isinstance(enabled, bool):
            raise ValueError("enabled must be True or False.")
        body: dict[str, Any] = {
            "enabled": enabled,
            "intervalSeconds": _whole(interval_seconds, "interval_seconds", 60, MAX_INTERVAL_SECONDS),
        }
        for name, value in (("matchCarrier", match_carrier), ("matchCity", match_city)):
            if value is not None:
                if not isinstance(value, bool):
                    raise ValueError(f"{name} must be True or False.")
                body[name] = value
        path = f"{_port_path(port_id)}/rotation-settings"
        return self._write(
            "PATCH", path, "set_rotation_settings", idempotency_key, body=body, parse=parsing.parse_rotation_settings
        )

    def rotation_history(self, port_id: str) -> RotationHistoryRecord:
        return self._get(f"{_port_path(port_id)}/rotation-history", "rotation_history", parsing.parse_rotation_history)

    def rotate_by_token(self, token: str) -> RotateResult:
        """The public link (outside /v1, no auth; A6). The token is a secret: it is masked in
        every log line (apps/core/logging.py masks `/rotate/<token>`)."""
        parts = urlsplit(self.base_url)
        url = f"{parts.scheme}://{parts.netloc}/rotate/{_segment(token, 'token')}"
        return self._caller.call("GET", url, op="rotate_by_token", parse=parsing.parse_rotate, authenticated=False)

    # Account -------------------------------------------------------------------------------

    def account(self) -> AccountRecord:
        return self._get("/account", "account", parsing.parse_account)

    def account_summary(self) -> AccountSummaryRecord:
        return self._get("/account/summary", "account_summary", parsing.parse_account_summary)

    def account_usage(self, *, period: str = "30d") -> UsageRecord:
        if period not in USAGE_PERIODS:
            raise ValueError(f"period must be one of {', '.join(USAGE_PERIODS)}, got {period!r}.")
        return self._caller.call(
            "GET", "/account/usage", op="account_usage", params={"period": period}, parse=parsing.parse_usage
        )

    def balance_breakdown(self) -> BalanceBreakdownRecord:
        return self._get("/traffic/balance-breakdown", "balance_breakdown", parsing.parse_balance_breakdown)

    # ---------------------------------------------------------------------------------------

    def _get(self, path: str, op: str, parse: Callable[[Any], Any]) -> Any:
        return self._caller.call("GET", path, op=op, parse=parse)

    def _write(
        self, method: str, path: str, op: str, idempotency_key: str, *, body: dict | None = None, parse=None
    ) -> Any:
        return self._caller.call(
            method, path, op=op, body=body, idempotency_key=validate_idempotency_key(idempotency_key), parse=parse
        )


# Argument checks and encodings ---------------------------------------------------------------


def _segment(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value.strip() or value in (".", ".."):
        raise ValueError(f"{name} must be a non-empty string (and not a dot segment).")
    # One path segment: "/", "?", "#" and ".." can never reach another endpoint.
    return quote(value, safe="")


def _port_path(port_id: Any) -> str:
    return f"{PORTS}/{_segment(port_id, 'port_id')}"


def _id(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 64:
        raise ValueError(f"{name} must be a non-empty id of at most 64 characters.")
    return value


def _whole(value: Any, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}, got {value!r}.")
    return value


def _slot_type(value: Any) -> str:
    if value not in SLOT_TYPES:
        raise ValueError(f"slot_type must be one of {', '.join(SLOT_TYPES)}, got {value!r}.")
    return value


def _display_name(value: Any) -> str:
    if not isinstance(value, str) or not DISPLAY_NAME_PATTERN.fullmatch(value):
        raise ValueError("display_name must be 1-64 characters of A-Z a-z 0-9 _ . : -.")
    return value


def _fingerprint(value: Any) -> str:
    if value not in OS_FINGERPRINT_VALUES:
        raise ValueError(f"os_fingerprint must be one of {', '.join(repr(v) for v in OS_FINGERPRINT_VALUES)}.")
    return value


def _credential(value: Any, name: str) -> str:
    if not isinstance(value, str) or not CREDENTIAL_PATTERN.fullmatch(value):
        # Never echo the value: it may be a password.
        raise ValueError(f"{name} must be 4-64 characters of A-Z a-z 0-9 _ . ~ -.")
    return value


def _unix_ms(value: Any, name: str) -> int:
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise ValueError(f"{name} must be a timezone-aware datetime.")
    return int(value.timestamp() * 1000)


__all__ = ["PortsClient", "new_idempotency_key", "validate_idempotency_key"]
