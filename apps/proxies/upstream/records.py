"""Typed records for upstream replies, and the contract's constants. Parsing lives in
`parsing.py`; these are plain data.

Amounts follow the contract: caps in GB (Decimal, None = unbounded), usage in MB (Decimal).
Times are aware UTC datetimes.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

# The contract's constants: the one place the shop states them (the client, the services, the
# console and the URL grammar import them from here).

# Idempotency-Key on every write: 8-128 characters of A-Z a-z 0-9 _ -.
IDEMPOTENCY_KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{8,128}$")

# Actions in a key's audit trail (GET /reseller/pool-keys/{id}/audit), in the contract's order.
UPSTREAM_AUDIT_ACTIONS = (
    "create",
    "update",
    "topup",
    "regenerate",
    "reveal",
    "delete",
    "gateway_auth_success",
    "gateway_auth_failure",
    "auto_suspended_cap_exceeded",
    "auto_suspended_expired",
)

# Pools: the stock feed reports the first two; a proxy username may also ask for "any" (mobile,
# residential fallback).
POOL_MOBILE = "mbl"
POOL_RESIDENTIAL = "peer"
POOL_ANY = "any"
STOCK_POOLS = (POOL_MOBILE, POOL_RESIDENTIAL)
GATEWAY_POOLS = (*STOCK_POOLS, POOL_ANY)
DEFAULT_POOL = POOL_MOBILE


@dataclass(frozen=True)
class PoolKeyRecord:
    id: str
    label: str
    enabled: bool
    traffic_cap_gb: Decimal | None
    traffic_used_mb: Decimal
    expires_at: datetime | None
    last_used_at: datetime | None
    created_at: datetime | None
    updated_at: datetime | None = None
    is_expired: bool | None = None
    # The pak_ secret. None when the upstream masked it (list replies may).
    secret: str | None = field(default=None, repr=False)

    @property
    def traffic_used_gb(self) -> Decimal:
        return self.traffic_used_mb / 1024

    @property
    def secret_hint(self) -> str:
        """Safe to show or log: the last four characters only."""
        return f"pak_…{self.secret[-4:]}" if self.secret else ""


@dataclass(frozen=True)
class AuditEventRecord:
    id: str
    action: str
    created_at: datetime
    pak_id: str | None = None
    ip: str | None = None
    user_agent: str | None = None
    request_id: str | None = None
    auth_method: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StockRecord:
    # {"mbl": {"us": 120, ...}, "peer": {...}}
    pools: dict[str, dict[str, int]]
    totals: dict[str, int]
    generated_at: datetime | None


@dataclass(frozen=True)
class IncidentRecord:
    id: str
    severity: str  # info | minor | major | critical
    title: str
    started_at: datetime
    description: str = ""
    resolved_at: datetime | None = None
    affects: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return self.resolved_at is None


@dataclass(frozen=True)
class SessionRecord:
    session_key: str
    session_id: str
    pool: str
    country: str
    carrier: str | None
    current_ip: str | None
    created_at: datetime | None
    last_activity_at: datetime | None
    expires_at: datetime | None
    request_count: int
    bytes_in: int
    bytes_out: int
    rotation: str | None
    ttl: int | None
    is_synthesized_sid: bool
    account_id: str | None = None
    endpoint_id: str | None = None
    # Templates with a literal "<PASSWORD>" placeholder, as the upstream sends them.
    proxy_url: str = ""
    socks5_url: str = ""


@dataclass(frozen=True)
class SessionCloseResult:
    success: bool
    message: str
    count: int | None = None


@dataclass(frozen=True)
class PricingRecord:
    currency: str
    # Per-GB wholesale price of the shared pool, as the upstream states it.
    shared_per_gb: Decimal | None
    raw: dict[str, Any] = field(default_factory=dict)
