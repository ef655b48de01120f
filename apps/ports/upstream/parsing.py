"""Ports API replies -> typed records (records.py), validated with the pool client's field
readers: every shape problem is an UpstreamBadResponse naming the field, e.g.
``ports[1].httpPort: expected a whole number, got 'x'``. Secrets are never echoed."""

from decimal import Decimal
from typing import Any

from apps.proxies.upstream.fields import JsonObject, bad_field, field_path, items_of, parse_list, to_id

from .records import (
    AccountAlertRecord,
    AccountRecord,
    AccountSummaryRecord,
    BalanceBreakdownRecord,
    CanRotateRecord,
    CarrierRecord,
    CountryRecord,
    DeviceRecord,
    OsFingerprintOption,
    PingRecord,
    PortIpRecord,
    PortRecord,
    PortStatusRecord,
    PortUsageRecord,
    RotateResult,
    RotationHistoryRecord,
    RotationRecord,
    RotationSettingsRecord,
    SlotTierRecord,
    TariffRecord,
    UsageRecord,
)

_ZERO = Decimal(0)


def _opt_str(obj: JsonObject, name: str) -> str:
    return obj.string(name, required=False, nullable=True, default="") or ""


def _port_number(obj: JsonObject, name: str) -> int:
    value = obj.integer(name)
    if not 1 <= value <= 65535:
        raise bad_field(field_path(obj.field, name), "a TCP port (1-65535)", value)
    return value


def _secret(obj: JsonObject, name: str) -> str | None:
    """A secret string, or None; its value never appears in an error."""
    value = obj.data.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise bad_field(field_path(obj.field, name), "a string", "a non-string value")
    return value


# Reference data ------------------------------------------------------------------------------


def parse_country(data: Any, field: str = "") -> CountryRecord:
    obj = JsonObject(data, field)
    code = obj.string("code").strip().upper()
    if len(code) != 2 or not code.isalpha():
        raise bad_field(field_path(field, "code"), "an ISO alpha-2 country code", code)
    return CountryRecord(
        id=to_id(obj.data, field, ("_id", "id")),
        name=obj.string("name"),
        code=code,
        free_devices=obj.integer("freeDeviceCount", required=False, nullable=True, default=0),
        iso3=_opt_str(obj, "iso3"),
        phone_code=_opt_str(obj, "phoneCode"),
    )


def parse_countries(data: Any) -> list[CountryRecord]:
    return parse_list(data, "countries", ("countries", "data", "items"), parse_country)


def parse_carrier(data: Any, field: str = "") -> CarrierRecord:
    obj = JsonObject(data, field)
    return CarrierRecord(
        id=to_id(obj.data, field, ("_id", "id")),
        name=obj.string("name"),
        brand=_opt_str(obj, "brand") or obj.string("name"),
        free_devices=obj.integer("freeDeviceCount", required=False, nullable=True, default=0),
        technology=_opt_str(obj, "technology"),
        mcc=_opt_str(obj, "mcc"),
        mnc=_opt_str(obj, "mnc"),
    )


def parse_carriers(data: Any) -> list[CarrierRecord]:
    return parse_list(data, "carriers", ("carriers", "data", "items"), parse_carrier)


def _range(obj: JsonObject) -> tuple[int | None, int | None]:
    for name in ("portRange", "trafficRange"):
        if obj.data.get(name) is not None:
            child = obj.child(name)
            return child.integer("min", required=False, nullable=True), child.integer(
                "max", required=False, nullable=True
            )
    return None, None


def parse_tariff(data: Any, field: str = "") -> TariffRecord:
    obj = JsonObject(data, field)
    low, high = _range(obj)
    price = obj.number("price")
    return TariffRecord(
        id=to_id(obj.data, field, ("_id", "id")),
        type=obj.string("type"),
        category=obj.string("category"),
        resource_type=obj.string("resourceType"),
        price=price,
        price_per_unit=obj.number("pricePerUnit", required=False, nullable=True) or price,
        unit_type=_opt_str(obj, "unitType"),
        billing_period=_opt_str(obj, "billingPeriod"),
        display_name=_opt_str(obj, "displayName") or obj.string("type"),
        range_min=low,
        range_max=high,
    )


def parse_tariffs(data: Any) -> list[TariffRecord]:
    return parse_list(data, "tariffs", ("tariffs", "data", "items"), parse_tariff)


# Ports ---------------------------------------------------------------------------------------


def _named(obj: JsonObject, name: str) -> JsonObject | None:
    value = obj.data.get(name)
    if value is None:
        return None
    if isinstance(value, str):  # a bare name is as good as {name}
        return JsonObject({"name": value}, field_path(obj.field, name))
    return obj.child(name)


def parse_device(data: Any, field: str) -> DeviceRecord | None:
    if data is None:
        return None
    obj = JsonObject(data, field)
    country, carrier, region = _named(obj, "country"), _named(obj, "carrier"), _named(obj, "region")
    return DeviceRecord(
        id=to_id(obj.data, field, ("_id", "id")),
        name=_opt_str(obj, "name"),
        country_name=_opt_str(country, "name") if country else "",
        country_code=(_opt_str(country, "code") if country else "").upper(),
        carrier_name=_opt_str(carrier, "name") if carrier else "",
        carrier_brand=_opt_str(carrier, "brand") if carrier else "",
        region=_opt_str(region, "name") if region else "",
    )


def parse_rotation_settings(data: Any, field: str = "") -> RotationSettingsRecord:
    obj = JsonObject(data, field)
    seconds = obj.integer("intervalSeconds", required=False, nullable=True)
    if seconds is None:  # legacy replies carry minutes only
        minutes = obj.integer("intervalMinutes", required=False, nullable=True)
        seconds = minutes * 60 if minutes is not None else None
    if seconds is not None and seconds < 0:
        raise bad_field(field_path(field, "intervalSeconds"), "a number of seconds >= 0", seconds)
    return RotationSettingsRecord(
        enabled=bool(obj.boolean("enabled", required=False, default=False)),
        interval_seconds=seconds,
        last_rotated_at=obj.date("lastRotatedAt", required=False),
        rotation_count=obj.integer("rotationCount", required=False, nullable=True, default=0),
        match_carrier=bool(obj.boolean("matchCarrier", required=False, default=False)),
        match_city=bool(obj.boolean("matchCity", required=False, default=False)),
    )


def _used_gb(obj: JsonObject) -> Decimal | None:
    used = obj.number("usedTraffic", required=False, nullable=True)
    if used is None and obj.data.get("trafficSummary") is not None:
        used = obj.child("trafficSummary").number("usedGB", required=False, nullable=True)
    return used


def parse_port(data: Any, field: str = "") -> PortRecord:
    obj = JsonObject(data, field)
    slot_type = obj.string("slotType", required=False, nullable=True)
    if slot_type is None and isinstance(obj.data.get("exclusive"), bool):
        slot_type = "private" if obj.data["exclusive"] else "shared"
    settings = obj.data.get("rotationSettings")
    return PortRecord(
        id=to_id(obj.data, field, ("id", "_id")),
        server_ip=obj.string("serverIp"),
        http_port=_port_number(obj, "httpPort"),
        socks_port=_port_number(obj, "socksPort"),
        login=obj.string("proxyLogin"),
        expires_at=obj.date("expiresAt", nullable=False),
        name=_opt_str(obj, "name"),
        display_name=_opt_str(obj, "displayName"),
        slot_type=slot_type,
        os_fingerprint=_opt_str(obj, "osFingerprint"),
        suspended=bool(obj.boolean("suspended", required=False, default=False)),
        status=_opt_str(obj, "status") or "active",
        created_at=obj.date("createdAt", required=False),
        rotation=None if settings is None else parse_rotation_settings(settings, field_path(field, "rotationSettings")),
        used_traffic_gb=_used_gb(obj),
        health_status=obj.string("healthStatus", required=False, nullable=True),
        device=parse_device(obj.data.get("device"), field_path(field, "device")),
        password=_secret(obj, "proxyPassword"),
        rotation_token=_secret(obj, "rotationToken"),
    )


def parse_ports(data: Any) -> list[PortRecord]:
    return parse_list(data, "ports", ("ports", "data", "items"), parse_port)


def parse_port_with_password(data: Any) -> PortRecord:
    record = parse_port(data)
    if not record.password:
        raise bad_field("proxyPassword", "the port's password")
    return record


def parse_status(data: Any) -> PortStatusRecord:
    obj = JsonObject(data, "")
    return PortStatusRecord(
        status=obj.string("status"),
        is_active=bool(obj.boolean("isActive", required=False, default=False)),
        last_checked=obj.date("lastChecked", required=False),
        expires_at=obj.date("expiresAt", required=False),
    )


def parse_ping(data: Any) -> PingRecord:
    obj = JsonObject(data, "")
    return PingRecord(
        success=obj.boolean("success"),
        ip=obj.string("ip", required=False, nullable=True),
        response_time_ms=obj.integer("responseTime", required=False, nullable=True),
        test_time=obj.date("testTime", required=False),
    )


def parse_ip(data: Any) -> PortIpRecord:
    obj = JsonObject(data, "")
    return PortIpRecord(
        public_ip=obj.string("publicIp", required=False, nullable=True),
        server_ip=obj.string("serverIp", required=False, nullable=True),
    )


def parse_fingerprint_option(data: Any, field: str = "") -> OsFingerprintOption:
    obj = JsonObject(data, field)
    value = obj.string("value")
    return OsFingerprintOption(value=value, label=_opt_str(obj, "label") or value or "None")


def parse_fingerprint_options(data: Any) -> list[OsFingerprintOption]:
    return parse_list(data, "options", ("options", "data", "items"), parse_fingerprint_option)


# Rotation ------------------------------------------------------------------------------------


def parse_rotate(data: Any) -> RotateResult:
    obj = JsonObject(data, "")
    return RotateResult(
        success=obj.boolean("success"),
        port_id=_opt_str(obj, "portId"),
        old_ip=obj.string("oldIp", required=False, nullable=True),
        new_ip=obj.string("newIp", required=False, nullable=True),
        message=_opt_str(obj, "message"),
        duration_ms=obj.integer("rotationDurationMs", required=False, nullable=True),
        rotation_count=obj.integer("rotationCount", required=False, nullable=True),
        old_device_id=obj.string("oldDeviceId", required=False, nullable=True),
        new_device_id=obj.string("newDeviceId", required=False, nullable=True),
        is_airplane_mode=bool(obj.boolean("isAirplaneMode", required=False, default=False)),
    )


def parse_can_rotate(data: Any) -> CanRotateRecord:
    obj = JsonObject(data, "")
    return CanRotateRecord(
        can_rotate=obj.boolean("canRotate"),
        reason=_opt_str(obj, "reason"),
        next_rotation_at=obj.date("nextRotationAt", required=False),
        cooldown_remaining=obj.integer("cooldownRemaining", required=False, nullable=True, default=0),
        available_devices=obj.integer("availableDevices", required=False, nullable=True),
    )


def parse_rotation(data: Any, field: str = "") -> RotationRecord:
    obj = JsonObject(data, field)
    trigger = obj.string("triggerType")
    return RotationRecord(
        id=to_id(obj.data, field, ("_id", "id")),
        trigger_type=trigger,
        success=bool(obj.boolean("success", required=False, default=True)),
        created_at=obj.date("createdAt", nullable=False),
        port_id=_opt_str(obj, "portId"),
        from_ip=obj.string("fromIp", required=False, nullable=True),
        to_ip=obj.string("toIp", required=False, nullable=True),
        from_device_id=obj.string("fromDeviceId", required=False, nullable=True),
        to_device_id=obj.string("toDeviceId", required=False, nullable=True),
        duration_ms=obj.integer("rotationDurationMs", required=False, nullable=True),
        country=_opt_str(obj, "country"),
        carrier=_opt_str(obj, "carrier"),
    )


def parse_rotation_history(data: Any) -> RotationHistoryRecord:
    rotations = tuple(parse_list(data, "rotations", ("rotations", "data", "items"), parse_rotation))
    total = len(rotations)
    if isinstance(data, dict) and data.get("total") is not None:
        total = JsonObject(data, "").integer("total")
    return RotationHistoryRecord(rotations=rotations, total=total)


# Account -------------------------------------------------------------------------------------


def _slots(obj: JsonObject | None) -> tuple[int, int, int]:
    if obj is None or obj.data.get("slots") is None:
        return 0, 0, 0
    slots = obj.child("slots")
    total = slots.integer("total", required=False, nullable=True, default=0)
    used = slots.integer("used", required=False, nullable=True, default=0)
    available = slots.integer("available", required=False, nullable=True, default=max(total - used, 0))
    return total, used, available


def _tier(obj: JsonObject, name: str, traffic_name: str, keys: tuple[str, str, str]) -> SlotTierRecord:
    tier = obj.child(name) if obj.data.get(name) is not None else None
    total, used, available = _slots(tier)
    traffic: list[Decimal] = [_ZERO, _ZERO, _ZERO]
    if tier is not None and tier.data.get(traffic_name) is not None:
        child = tier.child(traffic_name)
        traffic = [child.number(key, required=False, nullable=True) or _ZERO for key in keys]
    return SlotTierRecord(
        slots_total=total,
        slots_used=used,
        slots_available=available,
        traffic_total_gb=traffic[0],
        traffic_used_gb=traffic[1],
        traffic_available_gb=traffic[2],
        expires_at=tier.date("expiresAt", required=False) if tier else None,
        days_remaining=tier.integer("daysRemaining", required=False, nullable=True) if tier else None,
    )


def parse_account_summary(data: Any) -> AccountSummaryRecord:
    obj = JsonObject(data, "")
    alerts = []
    for index, item in enumerate(items_of(obj.data.get("alerts") or [], "alerts", ())):
        alert = JsonObject(item, f"alerts[{index}]")
        alerts.append(
            AccountAlertRecord(
                type=_opt_str(alert, "type"),
                message=_opt_str(alert, "message"),
                severity=_opt_str(alert, "severity") or "info",
            )
        )
    keys = ("total", "used", "available")
    return AccountSummaryRecord(
        balance=obj.number("balance", minimum=None),
        currency=_opt_str(obj, "currency") or "USD",
        shared=_tier(obj, "shared", "trafficGB", keys),
        private=_tier(obj, "private", "trafficGB", keys),
        alerts=tuple(alerts),
    )


def parse_account(data: Any) -> AccountRecord:
    obj = JsonObject(data, "")
    wallet = obj.child("wallet")
    subscription = obj.child("subscription") if obj.data.get("subscription") is not None else JsonObject({}, "")
    keys = ("purchasedGB", "usedGB", "availableGB")
    flags_raw = obj.data.get("status") or {}
    if not isinstance(flags_raw, dict):
        raise bad_field("status", "an object", flags_raw)
    user = obj.child("user") if obj.data.get("user") is not None else JsonObject({}, "user")
    return AccountRecord(
        email=_opt_str(user, "email"),
        available_balance=wallet.number("availableBalance", minimum=None),
        currency=_opt_str(wallet, "currency") or "USD",
        shared=_tier(subscription, "shared", "traffic", keys),
        private=_tier(subscription, "private", "traffic", keys),
        flags={str(k): bool(v) for k, v in flags_raw.items() if isinstance(v, bool)},
    )


def parse_usage(data: Any) -> UsageRecord:
    obj = JsonObject(data, "")
    traffic = obj.child("traffic")
    by_port: list[PortUsageRecord] = []
    for tier in ("shared", "private"):
        if traffic.data.get(tier) is None:
            continue
        child = traffic.child(tier)
        for index, item in enumerate(items_of(child.data.get("byPort") or [], f"traffic.{tier}.byPort", ())):
            row = JsonObject(item, f"traffic.{tier}.byPort[{index}]")
            by_port.append(
                PortUsageRecord(
                    port_id=row.string("portId"), port_name=_opt_str(row, "portName"), used_gb=row.number("usedGB")
                )
            )
    combined = traffic.child("combined") if traffic.data.get("combined") is not None else None
    total = combined.number("totalUsedGB", required=False, nullable=True) if combined else None
    count = combined.integer("portCount", required=False, nullable=True) if combined else None
    return UsageRecord(
        period=obj.string("period"),
        generated_at=obj.date("generatedAt", required=False),
        total_used_gb=total if total is not None else sum((r.used_gb for r in by_port), _ZERO),
        port_count=count if count is not None else len(by_port),
        by_port=tuple(by_port),
    )


def parse_balance_breakdown(data: Any) -> BalanceBreakdownRecord:
    obj = JsonObject(data, "")

    def num(name: str) -> Decimal:
        return obj.number(name, required=False, nullable=True, minimum=None) or _ZERO

    return BalanceBreakdownRecord(
        balance=obj.number("balance", minimum=None),
        currency=_opt_str(obj, "currency") or "USD",
        total_payments=num("totalPayments"),
        total_purchases=num("totalPurchases"),
        admin_credits=num("adminPaymentCredits"),
        traffic_used_gb=num("trafficUsedGB"),
        purchased_traffic_gb=num("purchasedTrafficGB"),
        available_traffic_gb=num("availableTrafficGB"),
        price_per_gb=obj.number("pricePerGB", required=False, nullable=True),
    )


def parse_message(data: Any) -> str:
    if data is None:
        return ""
    return _opt_str(JsonObject(data, ""), "message")
