"""Typed records for ports API replies, and the contract's constants (docs/ports-contract.md).
Parsing lives in parsing.py; these are plain data. Times are aware UTC datetimes; traffic in GB
(Decimal). The two secrets (`password`, `rotation_token`) are left out of every repr."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from urllib.parse import quote

SHARED = "shared"
PRIVATE = "private"
SLOT_TYPES = (SHARED, PRIVATE)

# Seconds between two rotations of one port, whatever triggered them.
ROTATION_COOLDOWN_SECONDS = {SHARED: 300, PRIVATE: 60}
# Auto-rotation interval bounds, in seconds (inclusive).
AUTO_ROTATION_BOUNDS = {SHARED: (300, 86_400), PRIVATE: (60, 86_400)}

TRIGGER_MANUAL = "manual"
TRIGGER_AUTOMATIC = "automatic"
TRIGGER_API_TOKEN = "api_token"
TRIGGER_TYPES = (TRIGGER_MANUAL, TRIGGER_AUTOMATIC, TRIGGER_API_TOKEN)

PORT_STATUSES = ("active", "suspended", "expired")
HEALTH_STATUSES = ("healthy", "degraded", "offline")

# The fingerprint values the seed lists (the per-port options call is the authority).
OS_FINGERPRINTS = (
    ("", "None (Default)"),
    ("windows:1", "Windows 10"),
    ("macosx:4", "macOS / iPhone 13"),
    ("ios:2", "iOS (Real iPhone)"),
    ("ios:1", "iOS (p0f Compliant)"),
    ("android:3", "Android (Real)"),
    ("android:1", "Android (p0f Compliant)"),
    ("macosx:3", "macOS X"),
)
OS_FINGERPRINT_VALUES = tuple(value for value, _label in OS_FINGERPRINTS)

USAGE_PERIODS = ("7d", "30d", "90d")


@dataclass(frozen=True)
class CountryRecord:
    id: str
    name: str
    code: str  # ISO alpha-2, upper case
    free_devices: int
    iso3: str = ""
    phone_code: str = ""


@dataclass(frozen=True)
class CarrierRecord:
    id: str
    name: str
    brand: str
    free_devices: int
    technology: str = ""
    mcc: str = ""
    mnc: str = ""


@dataclass(frozen=True)
class TariffRecord:
    id: str
    type: str
    category: str  # shared | private
    resource_type: str  # ports | traffic
    price: Decimal
    price_per_unit: Decimal
    unit_type: str  # slot | gb
    billing_period: str  # monthly | one-time
    display_name: str
    range_min: int | None = None
    range_max: int | None = None


@dataclass(frozen=True)
class DeviceRecord:
    id: str
    name: str
    country_name: str = ""
    country_code: str = ""
    carrier_name: str = ""
    carrier_brand: str = ""
    region: str = ""


@dataclass(frozen=True)
class RotationSettingsRecord:
    enabled: bool
    interval_seconds: int | None
    last_rotated_at: datetime | None = None
    rotation_count: int = 0
    match_carrier: bool = False
    match_city: bool = False


@dataclass(frozen=True)
class PortRecord:
    id: str
    server_ip: str
    http_port: int
    socks_port: int
    login: str
    expires_at: datetime
    name: str = ""
    display_name: str = ""
    slot_type: str | None = None
    os_fingerprint: str = ""
    suspended: bool = False
    status: str = "active"
    created_at: datetime | None = None
    rotation: RotationSettingsRecord | None = None
    used_traffic_gb: Decimal | None = None
    health_status: str | None = None
    device: DeviceRecord | None = None
    # Secrets: None when the reply did not carry them.
    password: str | None = field(default=None, repr=False)
    rotation_token: str | None = field(default=None, repr=False)

    def http_url(self, password: str) -> str:
        return _url("http", self.login, password, self.server_ip, self.http_port)

    def socks5_url(self, password: str) -> str:
        return _url("socks5", self.login, password, self.server_ip, self.socks_port)


def _url(scheme: str, login: str, password: str, host: str, port: int) -> str:
    return f"{scheme}://{quote(login, safe='')}:{quote(password, safe='')}@{host}:{port}"


@dataclass(frozen=True)
class PortStatusRecord:
    status: str  # online | offline
    is_active: bool
    last_checked: datetime | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True)
class PingRecord:
    success: bool
    ip: str | None
    response_time_ms: int | None
    test_time: datetime | None = None


@dataclass(frozen=True)
class PortIpRecord:
    public_ip: str | None
    server_ip: str | None


@dataclass(frozen=True)
class OsFingerprintOption:
    value: str
    label: str


@dataclass(frozen=True)
class RotateResult:
    success: bool
    port_id: str
    old_ip: str | None
    new_ip: str | None  # None for a private port: the new IP arrives 10-30 s later
    message: str = ""
    duration_ms: int | None = None
    rotation_count: int | None = None
    old_device_id: str | None = None
    new_device_id: str | None = None
    is_airplane_mode: bool = False


@dataclass(frozen=True)
class CanRotateRecord:
    can_rotate: bool
    reason: str = ""
    next_rotation_at: datetime | None = None
    cooldown_remaining: int = 0
    available_devices: int | None = None


@dataclass(frozen=True)
class RotationRecord:
    id: str
    trigger_type: str
    success: bool
    created_at: datetime
    port_id: str = ""
    from_ip: str | None = None
    to_ip: str | None = None
    from_device_id: str | None = None
    to_device_id: str | None = None
    duration_ms: int | None = None
    country: str = ""
    carrier: str = ""


@dataclass(frozen=True)
class RotationHistoryRecord:
    rotations: tuple[RotationRecord, ...]
    total: int


@dataclass(frozen=True)
class SlotTierRecord:
    slots_total: int
    slots_used: int
    slots_available: int
    traffic_total_gb: Decimal = Decimal(0)
    traffic_used_gb: Decimal = Decimal(0)
    traffic_available_gb: Decimal = Decimal(0)
    expires_at: datetime | None = None
    days_remaining: int | None = None


@dataclass(frozen=True)
class AccountAlertRecord:
    type: str
    message: str
    severity: str


@dataclass(frozen=True)
class AccountSummaryRecord:
    balance: Decimal
    currency: str
    shared: SlotTierRecord
    private: SlotTierRecord
    alerts: tuple[AccountAlertRecord, ...] = ()

    def tier(self, slot_type: str) -> SlotTierRecord:
        return self.private if slot_type == PRIVATE else self.shared


@dataclass(frozen=True)
class AccountRecord:
    email: str
    available_balance: Decimal
    currency: str
    shared: SlotTierRecord
    private: SlotTierRecord
    flags: dict[str, bool] = field(default_factory=dict)


@dataclass(frozen=True)
class PortUsageRecord:
    port_id: str
    port_name: str
    used_gb: Decimal


@dataclass(frozen=True)
class UsageRecord:
    period: str
    generated_at: datetime | None
    total_used_gb: Decimal
    port_count: int
    by_port: tuple[PortUsageRecord, ...] = ()


@dataclass(frozen=True)
class BalanceBreakdownRecord:
    balance: Decimal
    currency: str
    total_payments: Decimal
    total_purchases: Decimal
    admin_credits: Decimal = Decimal(0)
    traffic_used_gb: Decimal = Decimal(0)
    purchased_traffic_gb: Decimal = Decimal(0)
    available_traffic_gb: Decimal = Decimal(0)
    price_per_gb: Decimal | None = None
