"""The ports simulator's reference data and account: free devices, tariffs, slots counted from
the ports that exist, alerts, usage and the balance breakdown."""

from decimal import Decimal

import pytest

from apps.sandbox.ports.services import sandbox_ports_account_set, sandbox_ports_tick

from .support import free_devices

pytestmark = pytest.mark.django_db


def test_countries_and_carriers_report_free_devices(api, country_id):
    countries = {row["code"]: row for row in api.get("/countries/with-devices").json()}
    carriers = api.get(f"/carriers/country/{country_id('DE')}", params={"withDevice": "true"}).json()

    assert set(countries) == {"DE", "GB", "US", "PL"}
    assert countries["DE"]["freeDeviceCount"] == sum(c["freeDeviceCount"] for c in carriers) == 9
    assert {c["brand"] for c in carriers} == {"Vodafone", "O2"}


def test_tariffs_list_slots_and_traffic_for_both_types(api):
    tariffs = api.get("/tariffs").json()

    assert {(t["category"], t["resourceType"]) for t in tariffs} == {
        ("shared", "ports"),
        ("private", "ports"),
        ("shared", "traffic"),
        ("private", "traffic"),
    }


def test_the_summary_counts_slots_used_by_existing_ports(api, create):
    sandbox_ports_account_set(shared_slots=3, private_slots=1, balance=Decimal("5"))
    create("DE")
    create("PL", slotType="private")

    summary = api.get("/account/summary").json()
    account = api.get("/account").json()

    assert summary["shared"]["slots"] == {"total": 3, "used": 1, "available": 2}
    assert summary["private"]["slots"] == {"total": 1, "used": 1, "available": 0}
    assert {a["type"] for a in summary["alerts"]} >= {"low_balance", "no_private_slots"}
    assert account["status"]["hasAvailableSlots"] is True and account["status"]["lowBalance"] is True
    assert account["wallet"]["availableBalance"] == 5


def test_usage_and_balance_follow_the_traffic_the_ports_use(api, create):
    port = create("DE")
    sandbox_ports_tick(traffic_gb=Decimal("1.5"))

    usage = api.get("/account/usage", params={"period": "7d"}).json()
    balance = api.get("/traffic/balance-breakdown").json()

    assert usage["traffic"]["shared"]["byPort"] == [
        {"portId": port["id"], "portName": port["displayName"], "usedGB": 1.5}
    ]
    assert usage["traffic"]["combined"] == {"totalUsedGB": 1.5, "portCount": 1}
    assert balance["trafficUsedGB"] == 1.5 and balance["availableTrafficGB"] == 8.5
    assert api.get("/account/usage", params={"period": "1y"}).status_code == 400


def test_a_private_port_lowers_the_free_count_everywhere(api, create):
    before = free_devices(api, "US")
    create("US", slotType="private")
    assert free_devices(api, "US") == before - 1
