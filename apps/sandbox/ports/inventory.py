"""The simulated device inventory and price list, created on first use: a few countries with
carriers, regions and modems, enough to exercise free-device counts, carrier and city matching,
and running out of devices."""

import hashlib
import random

from django.db import IntegrityError, transaction

from .models import SandboxPortAccount, SandboxPortCarrier, SandboxPortCountry, SandboxPortDevice

# code: (name, iso3, phone code, regions, [(carrier name, brand, mcc, mnc, devices)])
INVENTORY = {
    "DE": (
        "Germany",
        "DEU",
        "+49",
        ("Berlin", "Munich", "Frankfurt"),
        [("Vodafone D2 GmbH", "Vodafone", "262", "02", 6), ("Telefónica Germany GmbH & Co. oHG", "O2", "262", "03", 3)],
    ),
    "GB": (
        "United Kingdom",
        "GBR",
        "+44",
        ("London", "Manchester"),
        [("EE Limited", "EE", "234", "30", 4), ("Vodafone Limited", "Vodafone", "234", "15", 3)],
    ),
    "US": (
        "United States",
        "USA",
        "+1",
        ("New York", "Los Angeles", "Chicago"),
        [("T-Mobile USA", "T-Mobile", "310", "260", 5), ("AT&T Mobility", "AT&T", "310", "410", 4)],
    ),
    "PL": (
        "Poland",
        "POL",
        "+48",
        ("Warsaw", "Krakow"),
        [("Orange Polska", "Orange", "260", "03", 3), ("P4 (Play)", "Play", "260", "06", 2)],
    ),
}
SERVERS = {"DE": "138.201.158.43", "GB": "62.30.207.124", "US": "45.61.160.12", "PL": "91.198.174.20"}

TARIFFS = [
    ("PortsShared", "shared", "ports", 10, "slot", "monthly", "Shared Port Slots (1-10)", ("portRange", 1, 10)),
    ("PortsPrivate", "private", "ports", 25, "slot", "monthly", "Private Port Slots (1-10)", ("portRange", 1, 10)),
    ("TrafficShared", "shared", "traffic", 4, "gb", "one-time", "Shared Traffic (1-10 GB)", ("trafficRange", 1, 10)),
    ("TrafficPrivate", "private", "traffic", 8, "gb", "one-time", "Private Traffic (1-10 GB)", ("trafficRange", 1, 10)),
]

OS_FINGERPRINTS = [
    ("", "None (Default)"),
    ("windows:1", "Windows 10"),
    ("macosx:4", "macOS / iPhone 13"),
    ("ios:2", "iOS (Real iPhone)"),
    ("ios:1", "iOS (p0f Compliant)"),
    ("android:3", "Android (Real)"),
    ("android:1", "Android (p0f Compliant)"),
    ("macosx:3", "macOS X"),
]
FINGERPRINT_VALUES = {value for value, _ in OS_FINGERPRINTS}


def object_id(seed: str) -> str:
    """A stable 24-hex id (the upstream's ids look like MongoDB ObjectIds)."""
    return hashlib.sha256(seed.encode()).hexdigest()[:24]


def random_ip(rng: random.Random | None = None) -> str:
    rng = rng or random.Random()
    return f"109.{rng.randint(40, 43)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def inventory_ensure() -> None:
    """Creates the inventory once (a concurrent first call loses the race harmlessly)."""
    if SandboxPortCountry.objects.exists():
        return
    rng = random.Random(2026)
    try:
        with transaction.atomic():
            for code, (name, iso3, phone, regions, carriers) in INVENTORY.items():
                country = SandboxPortCountry.objects.create(
                    public_id=object_id(f"country:{code}"), name=name, code=code, iso3=iso3, phone_code=phone
                )
                for brand_index, (carrier_name, brand, mcc, mnc, count) in enumerate(carriers):
                    carrier = SandboxPortCarrier.objects.create(
                        public_id=object_id(f"carrier:{code}:{brand}"),
                        country=country,
                        name=carrier_name,
                        brand=brand,
                        mcc=mcc,
                        mnc=mnc,
                    )
                    SandboxPortDevice.objects.bulk_create(
                        SandboxPortDevice(
                            public_id=object_id(f"device:{code}:{brand}:{n}"),
                            name=f"dongle{brand_index}{n:02d}_{code.lower()}",
                            country=country,
                            carrier=carrier,
                            region=regions[n % len(regions)],
                            ip=random_ip(rng),
                        )
                        for n in range(count)
                    )
            SandboxPortAccount.objects.get_or_create(pk=1)
    except IntegrityError:
        pass


def account() -> SandboxPortAccount:
    return SandboxPortAccount.objects.get_or_create(pk=1)[0]


def free_devices(**filters):
    return SandboxPortDevice.objects.filter(online=True, exclusive=False, **filters)


def tariffs_payload() -> list[dict]:
    rows = []
    for type_, category, resource, price, unit, period, display, (range_name, low, high) in TARIFFS:
        rows.append(
            {
                "_id": object_id(f"tariff:{type_}"),
                "type": type_,
                "price": price,
                range_name: {"min": low, "max": high},
                "category": category,
                "resourceType": resource,
                "pricePerUnit": price,
                "unitType": unit,
                "billingPeriod": period,
                "displayName": display,
            }
        )
    return rows
