"""The reseller's own upstream account, for the operators: a background job reads the account
summary and the tariffs into one snapshot row (the console reads the row and never waits for the
upstream), and mails the operators once per crossing when the balance or a slot type's free
slots run low (thresholds: settings.PORTS_LOW_BALANCE, settings.PORTS_LOW_SLOTS)."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from apps.core.errors import ApplicationError
from apps.core.services.notifications import operators_notify_on_commit
from apps.ports.models import UpstreamAccountSnapshot
from apps.ports.upstream.records import SLOT_TYPES, AccountSummaryRecord, TariffRecord

from .client import ports_client
from .upstream import upstream_call

SNAPSHOT_KEY = "reseller"
ALERT_KIND = "ports_account"


@dataclass(frozen=True)
class Crossing:
    """One low-water condition: the snapshot field claiming it, and the operators' mail."""

    field: str
    low: bool
    subject: str
    body: str


def _slot_prices(tariffs: list[TariffRecord]) -> dict[str, str]:
    """The monthly price of one port slot per type (contract: resourceType ports, unitType slot);
    the cheapest when several tariffs match (volume ranges)."""
    prices: dict[str, Decimal] = {}
    for tariff in tariffs:
        if tariff.resource_type != "ports" or tariff.unit_type != "slot" or tariff.category not in SLOT_TYPES:
            continue
        if tariff.billing_period != "monthly":
            continue
        current = prices.get(tariff.category)
        prices[tariff.category] = tariff.price_per_unit if current is None else min(current, tariff.price_per_unit)
    return {category: f"{price:.2f}" for category, price in prices.items()}


def _fields(summary: AccountSummaryRecord, tariffs: list[TariffRecord], now: datetime) -> dict:
    fields: dict = {
        "balance": summary.balance,
        "currency": summary.currency,
        "alerts": [{"type": a.type, "message": a.message, "severity": a.severity} for a in summary.alerts],
        "slot_prices": _slot_prices(tariffs),
        "fetched_at": now,
        "error": "",
    }
    for slot_type in SLOT_TYPES:
        tier = summary.tier(slot_type)
        fields.update(
            {
                f"{slot_type}_slots_total": tier.slots_total,
                f"{slot_type}_slots_used": tier.slots_used,
                f"{slot_type}_slots_available": tier.slots_available,
                f"{slot_type}_traffic_available_gb": tier.traffic_available_gb,
                f"{slot_type}_days_remaining": tier.days_remaining,
            }
        )
    return fields


def _crossings(snapshot: UpstreamAccountSnapshot) -> list[Crossing]:
    threshold = Decimal(settings.PORTS_LOW_BALANCE)
    currency = (snapshot.currency or "").upper()
    balance = snapshot.balance if snapshot.balance is not None else Decimal(0)
    crossings = [
        Crossing(
            field="low_balance_since",
            low=balance < threshold,
            subject=f"Upstream balance is low: {balance:.2f} {currency}",
            body=f"The reseller balance at the upstream is {balance:.2f} {currency}, below the threshold "
            f"of {threshold} (PORTS_LOW_BALANCE). New ports and renewals need it: top up the upstream account.",
        )
    ]
    for slot_type in SLOT_TYPES:
        available = getattr(snapshot, f"{slot_type}_slots_available") or 0
        total = getattr(snapshot, f"{slot_type}_slots_total") or 0
        crossings.append(
            Crossing(
                field=f"low_{slot_type}_slots_since",
                low=available <= settings.PORTS_LOW_SLOTS,
                subject=f"Upstream {slot_type} port slots are running out: {available} of {total} free",
                body=f"{available} of {total} {slot_type} port slots are free at the upstream (alert at "
                f"{settings.PORTS_LOW_SLOTS} or fewer, PORTS_LOW_SLOTS). With none free, checkout refuses "
                f"{slot_type} port plans: buy more slots upstream.",
            )
        )
    return crossings


def _notify_crossings(snapshot: UpstreamAccountSnapshot, now: datetime) -> list[str]:
    """Claims each new crossing (a conditional update: one process wins) and queues the mail in
    the same transaction; a recovered condition is released, so the next crossing mails again."""
    mailed = []
    rows = UpstreamAccountSnapshot.objects.filter(pk=snapshot.pk)
    for crossing in _crossings(snapshot):
        with transaction.atomic():
            if not crossing.low:
                rows.filter(**{f"{crossing.field}__isnull": False}).update(**{crossing.field: None})
                continue
            if not rows.filter(**{f"{crossing.field}__isnull": True}).update(**{crossing.field: now}):
                continue  # already told about this crossing
            operators_notify_on_commit(
                subject=crossing.subject,
                body=crossing.body,
                kind=ALERT_KIND,
                dedup_key=f"ports-account:{crossing.field}:{now.isoformat()}",
            )
            mailed.append(crossing.field)
    return mailed


def ports_account_refresh(*, now: datetime | None = None) -> dict:
    """Reads the account summary and tariffs into the snapshot and mails new low-water crossings.
    An upstream failure keeps the last good figures and records the error (the console says so)."""
    now = now or timezone.now()
    try:
        with upstream_call():
            client = ports_client()
            summary = client.account_summary()
            tariffs = client.tariffs()
    except ApplicationError as exc:
        UpstreamAccountSnapshot.objects.update_or_create(
            key=SNAPSHOT_KEY, defaults={"error": exc.message[:300], "error_at": now}
        )
        return {"failed": exc.message}
    snapshot, _created = UpstreamAccountSnapshot.objects.update_or_create(
        key=SNAPSHOT_KEY, defaults=_fields(summary, tariffs, now)
    )
    return {"refreshed": now.isoformat(), "mailed": _notify_crossings(snapshot, now)}
