"""The public gateway feeds: pool stock, incidents and wholesale pricing."""

import random
from datetime import datetime, timedelta

from .models import SandboxIncident
from .wire import Reply, SandboxRequest, iso, new_id

STOCK_CACHE_SECONDS = 30
INCIDENT_WINDOW = timedelta(days=30)
# Online endpoints per country in a quiet hour; zeros are countries listed but out of stock.
BASE_STOCK = {
    "mbl": {
        "us": 140,
        "gb": 46,
        "de": 38,
        "pl": 31,
        "fr": 24,
        "es": 19,
        "ua": 15,
        "nl": 12,
        "it": 9,
        "ca": 7,
        "br": 0,
        "jp": 0,
    },
    "peer": {
        "us": 920,
        "br": 410,
        "in": 380,
        "de": 210,
        "gb": 190,
        "fr": 160,
        "mx": 140,
        "id": 120,
        "ph": 95,
        "tr": 60,
        "au": 45,
        "ng": 0,
    },
}
PRICING = {
    "shared": {"perGB": 4, "perHour": 0.10},
    "private": {"perGB": 8, "perHour": 0.25},
    "networks": ["base", "solana"],
    "currency": "USDC",
}


def _outages(now: datetime) -> set[str]:
    """`pool:cc` entries that a live major or critical incident takes offline."""
    down: set[str] = set()
    for incident in SandboxIncident.objects.filter(resolved_at__isnull=True, severity__in=("major", "critical")):
        down.update(a for a in incident.affects if isinstance(a, str) and ":" in a)
    return down


def stock(request: SandboxRequest, now: datetime) -> Reply:
    # Like the upstream's ~30 s cache: one snapshot per window, drifting between windows.
    window = int(now.timestamp()) // STOCK_CACHE_SECONDS
    rng = random.Random(window)
    down = _outages(now)
    pools = {}
    for pool, countries in BASE_STOCK.items():
        pools[pool] = {
            cc: 0 if f"{pool}:{cc}" in down else max(0, round(n * rng.uniform(0.85, 1.15)))
            for cc, n in countries.items()
        }
    totals = {pool: sum(counts.values()) for pool, counts in pools.items()}
    totals["all"] = totals["mbl"] + totals["peer"]
    generated_at = datetime.fromtimestamp(window * STOCK_CACHE_SECONDS, tz=now.tzinfo)
    return Reply(200, {"pools": pools, "totals": totals, "generatedAt": iso(generated_at)})


def incidents_seed(*, now: datetime) -> None:
    """A plausible history: one live minor incident and a few resolved ones."""
    samples = [
        (
            "minor",
            "Elevated latency on German mobile endpoints",
            "Some DE mobile endpoints answer slowly; sessions stay up.",
            ["mbl:de"],
            timedelta(hours=2),
            None,
        ),
        (
            "major",
            "Residential pool authentication errors",
            "A share of peer requests failed with 407 after a gateway deploy; rolled back.",
            ["peer"],
            timedelta(days=3),
            timedelta(minutes=47),
        ),
        (
            "critical",
            "US mobile pool unreachable",
            "An upstream carrier outage took most US mobile endpoints offline.",
            ["mbl:us"],
            timedelta(days=12),
            timedelta(hours=1, minutes=10),
        ),
        (
            "info",
            "Scheduled maintenance of the gateway edge",
            "",
            ["gateway"],
            timedelta(days=9),
            timedelta(minutes=30),
        ),
    ]
    for severity, title, description, affects, ago, lasted in samples:
        started = now - ago
        SandboxIncident.objects.create(
            public_id=new_id("inc_", 8),
            severity=severity,
            title=title,
            description=description,
            affects=affects,
            started_at=started,
            resolved_at=started + lasted if lasted else None,
        )


def incident_payload(incident: SandboxIncident) -> dict:
    payload = {
        "id": incident.public_id,
        "severity": incident.severity,
        "title": incident.title,
        "startedAt": iso(incident.started_at),
        "affects": list(incident.affects),
    }
    # Optional fields are left out when empty, as the contract marks them optional.
    if incident.description:
        payload["description"] = incident.description
    if incident.resolved_at:
        payload["resolvedAt"] = iso(incident.resolved_at)
    return payload


def incidents(request: SandboxRequest, now: datetime) -> Reply:
    if not SandboxIncident.objects.exists():
        incidents_seed(now=now)
    recent = SandboxIncident.objects.exclude(resolved_at__lt=now - INCIDENT_WINDOW).order_by("-started_at", "-id")
    return Reply(200, [incident_payload(i) for i in recent])


def pricing(request: SandboxRequest, now: datetime) -> Reply:
    return Reply(200, PRICING)
