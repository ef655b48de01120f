"""Behaviour no API call triggers (the auto-rotation tick, simulated traffic) and helpers for
tests, demos and the admin: reset, account and slot changes, suspending a port, a device going
offline."""

import random
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import F

from apps.sandbox.upstream import clock

from .inventory import account, inventory_ensure
from .models import (
    SandboxPort,
    SandboxPortAccount,
    SandboxPortCarrier,
    SandboxPortCountry,
    SandboxPortDevice,
    SandboxPortRotation,
)
from .rotation import auto_rotate_due

ACCOUNT_FIELDS = {
    "balance",
    "total_payments",
    "currency",
    "shared_slots",
    "private_slots",
    "shared_traffic_gb",
    "private_traffic_gb",
    "subscription_expires_at",
}


def sandbox_ports_tick(*, now: datetime | None = None, traffic_gb: Decimal | None = None) -> list[str]:
    """One tick: due auto-rotations, and (optionally) some traffic on every live port."""
    now = now or clock.now()
    inventory_ensure()
    rotated = auto_rotate_due(now=now)
    if traffic_gb:
        SandboxPort.objects.filter(suspended=False, expires_at__gt=now).update(
            used_traffic_gb=F("used_traffic_gb") + traffic_gb
        )
    return rotated


def sandbox_ports_account_set(**fields) -> SandboxPortAccount:
    unknown = set(fields) - ACCOUNT_FIELDS
    if unknown:
        raise ValueError(f"unknown account fields: {', '.join(sorted(unknown))}")
    inventory_ensure()
    row = account()
    for name, value in fields.items():
        setattr(row, name, value)
    row.save()
    return row


def sandbox_port_suspend(*, port_id: str, suspended: bool = True) -> None:
    SandboxPort.objects.filter(public_id=port_id).update(suspended=suspended)


def sandbox_devices_set_online(*, country_code: str, online: bool, carrier_brand: str | None = None) -> int:
    """Takes a country's (or one carrier's) devices offline or back, e.g. to run out of stock."""
    inventory_ensure()
    devices = SandboxPortDevice.objects.filter(country__code=country_code.upper())
    if carrier_brand:
        devices = devices.filter(carrier__brand=carrier_brand)
    return devices.update(online=online)


def sandbox_ports_reset() -> None:
    """Empties the ports simulator (the inventory is recreated on next use)."""
    with transaction.atomic():
        SandboxPortRotation.objects.all().delete()
        SandboxPort.objects.all().delete()
        SandboxPortDevice.objects.all().delete()
        SandboxPortCarrier.objects.all().delete()
        SandboxPortCountry.objects.all().delete()
        SandboxPortAccount.objects.all().delete()


def sandbox_ports_random_traffic(*, now: datetime | None = None, rng: random.Random | None = None) -> None:
    rng = rng or random.Random()
    now = now or clock.now()
    for port in SandboxPort.objects.filter(suspended=False, expires_at__gt=now):
        SandboxPort.objects.filter(pk=port.pk).update(
            used_traffic_gb=F("used_traffic_gb") + Decimal(str(round(rng.uniform(0.001, 0.05), 3)))
        )
