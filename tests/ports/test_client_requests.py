"""What the ports client sends (method, path, body, headers) and what it makes of the seed's
example replies. The upstream is a scripted httpx.MockTransport."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from apps.ports.upstream.records import TRIGGER_API_TOKEN

from .client_support import (
    IDEM,
    PASSWORD,
    TOKEN,
    ScriptedUpstream,
    created_payload,
    make_client,
    port_payload,
    reply,
    summary_payload,
)

PORT_ID = "6935a7065cb903907b750c64"


def test_countries_with_devices_are_read_with_their_free_device_counts():
    upstream = ScriptedUpstream(
        reply(
            200,
            [{"_id": "c1", "name": "Germany", "code": "DE", "iso3": "DEU", "phoneCode": "+49", "freeDeviceCount": 26}],
        )
    )

    [germany] = make_client(upstream).countries()

    assert upstream.last.method == "GET"
    assert upstream.last.url.path == "/v1/countries/with-devices"
    assert (germany.id, germany.code, germany.free_devices, germany.iso3) == ("c1", "DE", 26, "DEU")


def test_carriers_are_asked_for_one_country_with_devices_only():
    upstream = ScriptedUpstream(
        reply(
            200, [{"_id": "k2", "name": "Telefonica Germany", "brand": "O2", "technology": "LTE", "freeDeviceCount": 7}]
        )
    )

    [o2] = make_client(upstream).carriers("69276bf1f547dfc948699263")

    assert upstream.last.url.path == "/v1/carriers/country/69276bf1f547dfc948699263"
    assert upstream.last.url.params["withDevice"] == "true"
    assert (o2.brand, o2.free_devices, o2.mcc) == ("O2", 7, "")


def test_tariffs_keep_their_ranges_and_unit_prices():
    upstream = ScriptedUpstream(
        reply(
            200,
            [
                {
                    "_id": "t1",
                    "type": "PortsShared",
                    "price": 10,
                    "portRange": {"min": 1, "max": 10},
                    "category": "shared",
                    "resourceType": "ports",
                    "pricePerUnit": 10,
                    "unitType": "slot",
                    "billingPeriod": "monthly",
                    "displayName": "Shared Port Slots (1-10)",
                }
            ],
        )
    )

    [tariff] = make_client(upstream).tariffs()

    assert (tariff.category, tariff.resource_type, tariff.price_per_unit) == ("shared", "ports", Decimal(10))
    assert (tariff.range_min, tariff.range_max, tariff.billing_period) == (1, 10, "monthly")


def test_create_sends_country_lifetime_type_name_and_the_idempotency_key():
    upstream = ScriptedUpstream(reply(201, created_payload()))

    record = make_client(upstream).create_port(
        country_id="c1",
        lifetime_seconds=30 * 86400,
        slot_type="private",
        display_name="sf-u1-order77",
        carrier_id="k2",
        os_fingerprint="windows:1",
        idempotency_key=IDEM,
    )

    request = upstream.last
    assert (request.method, request.url.path) == ("POST", "/v1/ports")
    assert request.headers["Idempotency-Key"] == IDEM
    assert upstream.body() == {
        "countryId": "c1",
        "expiresAt": 2592000,
        "slotType": "private",
        "displayName": "sf-u1-order77",
        "carrierId": "k2",
        "osFingerprint": "windows:1",
    }
    assert record.id == "675123abc0000000000000aa"
    assert record.password == PASSWORD
    assert record.http_url(record.password) == f"http://auto_generated:{PASSWORD}@62.30.207.124:8002"
    assert record.socks5_url(record.password) == f"socks5://auto_generated:{PASSWORD}@62.30.207.124:5002"


def test_list_reads_every_field_of_the_seed_example():
    upstream = ScriptedUpstream(reply(200, [port_payload()]))

    [port] = make_client(upstream).list_ports()

    assert port.id == PORT_ID
    assert (port.server_ip, port.http_port, port.socks_port) == ("138.201.158.43", 8522, 5522)
    assert (port.slot_type, port.os_fingerprint, port.status, port.suspended) == (
        "shared",
        "windows:1",
        "active",
        False,
    )
    assert port.expires_at == datetime(2025, 12, 8, 16, 10, 46, 994000, tzinfo=UTC)
    assert port.rotation.interval_seconds == 1800 and port.rotation.rotation_count == 5
    assert port.device.country_code == "DE" and port.device.carrier_brand == "Vodafone"
    assert port.device.region == "Berlin"
    assert port.used_traffic_gb == Decimal("1.5")
    assert port.rotation_token == TOKEN


def test_legacy_minutes_are_read_when_seconds_are_missing():
    settings = {"enabled": True, "intervalMinutes": 30, "rotationCount": 0}
    upstream = ScriptedUpstream(reply(200, port_payload(rotationSettings=settings, slotType=None, exclusive=True)))

    port = make_client(upstream).get_port(PORT_ID)

    assert port.rotation.interval_seconds == 1800
    assert port.slot_type == "private"


@pytest.mark.parametrize(
    ("call", "method", "path", "body"),
    [
        (lambda c: c.delete_port(PORT_ID, idempotency_key=IDEM), "DELETE", f"/v1/ports/{PORT_ID}", None),
        (
            lambda c: c.reconfigure_port(PORT_ID, country_id="c9", carrier_id="k9", idempotency_key=IDEM),
            "PATCH",
            f"/v1/ports/{PORT_ID}/reconfigure",
            {"countryId": "c9", "carrierId": "k9"},
        ),
        (
            lambda c: c.change_credentials(PORT_ID, login="alice_01", password="n3wPassw0rd", idempotency_key=IDEM),
            "PATCH",
            f"/v1/ports/{PORT_ID}/credentials",
            {"proxyLogin": "alice_01", "proxyPassword": "n3wPassw0rd"},
        ),
        (
            lambda c: c.set_os_fingerprint(PORT_ID, value="ios:2", idempotency_key=IDEM),
            "PATCH",
            f"/v1/ports/{PORT_ID}/os-fingerprint",
            {"osFingerprint": "ios:2"},
        ),
        (
            lambda c: c.renew_port(PORT_ID, expires_at=datetime(2026, 2, 1, tzinfo=UTC), idempotency_key=IDEM),
            "POST",
            f"/v1/ports/{PORT_ID}/renew",
            {"expiresAt": 1769904000000},
        ),
        (lambda c: c.rotate_port(PORT_ID, idempotency_key=IDEM), "POST", f"/v1/ports/{PORT_ID}/rotate", None),
        (
            lambda c: c.set_rotation_settings(
                PORT_ID, enabled=True, interval_seconds=1800, match_carrier=True, idempotency_key=IDEM
            ),
            "PATCH",
            f"/v1/ports/{PORT_ID}/rotation-settings",
            {"enabled": True, "intervalSeconds": 1800, "matchCarrier": True},
        ),
    ],
    ids=["delete", "reconfigure", "credentials", "fingerprint", "renew", "rotate", "rotation-settings"],
)
def test_every_write_carries_the_callers_idempotency_key(call, method, path, body):
    answers = {
        "delete": {"message": "Port deleted successfully"},
        "rotate": {"success": True, "portId": PORT_ID, "oldIp": "1.1.1.1", "newIp": "2.2.2.2"},
        "rotation-settings": {"enabled": True, "intervalSeconds": 1800},
    }
    last = path.rsplit("/", 1)[-1]
    payload = answers.get(last) or (answers["delete"] if method == "DELETE" else port_payload())
    upstream = ScriptedUpstream(reply(200, payload))

    call(make_client(upstream))

    assert (upstream.last.method, upstream.last.url.path) == (method, path)
    assert upstream.last.headers["Idempotency-Key"] == IDEM
    assert (upstream.body() if upstream.last.content else None) == body


def test_shared_rotation_reports_the_new_ip_and_devices():
    upstream = ScriptedUpstream(
        reply(
            200,
            {
                "success": True,
                "portId": PORT_ID,
                "oldDeviceId": "d1",
                "newDeviceId": "d2",
                "oldIp": "109.40.240.170",
                "newIp": "109.40.241.55",
                "rotationDurationMs": 2450,
                "rotationCount": 5,
                "message": "Port rotated successfully",
            },
        )
    )

    result = make_client(upstream).rotate_port(PORT_ID, idempotency_key=IDEM)

    assert (result.old_ip, result.new_ip, result.new_device_id, result.is_airplane_mode) == (
        "109.40.240.170",
        "109.40.241.55",
        "d2",
        False,
    )


def test_private_rotation_has_no_new_ip_yet():
    upstream = ScriptedUpstream(
        reply(200, {"success": True, "portId": PORT_ID, "oldIp": "1.2.3.4", "isAirplaneMode": True, "message": "x"})
    )

    result = make_client(upstream).rotate_port(PORT_ID, idempotency_key=IDEM)

    assert result.new_ip is None and result.is_airplane_mode


def test_can_rotate_reads_both_answers():
    upstream = ScriptedUpstream(
        reply(200, {"canRotate": True, "availableDevices": 26}),
        reply(
            200,
            {
                "canRotate": False,
                "reason": "Rate limited. Must wait 180 seconds before next rotation.",
                "nextRotationAt": "2025-12-17T10:05:00.000Z",
                "cooldownRemaining": 180,
            },
        ),
    )
    client = make_client(upstream)

    yes, no = client.can_rotate(PORT_ID), client.can_rotate(PORT_ID)

    assert yes.can_rotate and yes.available_devices == 26
    assert not no.can_rotate and no.cooldown_remaining == 180
    assert no.next_rotation_at == datetime(2025, 12, 17, 10, 5, tzinfo=UTC)


def test_rotation_history_keeps_each_trigger():
    upstream = ScriptedUpstream(
        reply(
            200,
            {
                "rotations": [
                    {
                        "_id": "r1",
                        "portId": PORT_ID,
                        "fromIp": "1.1.1.1",
                        "toIp": "2.2.2.2",
                        "triggerType": "api_token",
                        "success": True,
                        "rotationDurationMs": 2450,
                        "country": "Germany",
                        "carrier": "Vodafone",
                        "createdAt": "2025-12-17T09:55:00.000Z",
                    }
                ],
                "total": 5,
            },
        )
    )

    history = make_client(upstream).rotation_history(PORT_ID)

    assert history.total == 5
    assert history.rotations[0].trigger_type == TRIGGER_API_TOKEN
    assert history.rotations[0].to_ip == "2.2.2.2"


def test_the_public_token_link_is_outside_v1_and_sends_no_idempotency_key():
    upstream = ScriptedUpstream(
        reply(200, {"success": True, "portId": PORT_ID, "oldIp": "1.1.1.1", "newIp": "3.3.3.3"})
    )

    result = make_client(upstream).rotate_by_token(TOKEN)

    assert upstream.last.url.path == f"/rotate/{TOKEN}"
    assert upstream.last.method == "GET"
    assert "Idempotency-Key" not in upstream.last.headers
    assert result.new_ip == "3.3.3.3"


def test_status_ping_ip_and_fingerprint_options():
    upstream = ScriptedUpstream(
        reply(200, {"status": "online", "isActive": True, "lastChecked": "2025-12-17T10:00:00.000Z", "expiresAt": 1}),
        reply(200, {"success": True, "ip": "109.40.240.170", "responseTime": 513, "testTime": "2025-12-17T10:37:36Z"}),
        reply(200, {"publicIp": "109.40.240.170", "serverIp": "138.201.158.43"}),
        reply(200, [{"value": "", "label": "None (Default)"}, {"value": "windows:1", "label": "Windows 10"}]),
    )
    client = make_client(upstream)

    status, ping, ip, options = (
        client.port_status(PORT_ID),
        client.ping_port(PORT_ID),
        client.port_ip(PORT_ID),
        client.os_fingerprints(PORT_ID),
    )

    assert status.status == "online" and status.is_active
    assert ping.success and ping.response_time_ms == 513
    assert ip.public_ip == "109.40.240.170"
    assert [o.value for o in options] == ["", "windows:1"]
    assert [r.url.path.rsplit("/", 1)[-1] for r in upstream.requests] == ["status", "ping", "ip", "os-fingerprints"]


def test_account_summary_reads_slots_traffic_and_alerts():
    upstream = ScriptedUpstream(reply(200, summary_payload()))

    summary = make_client(upstream).account_summary()

    assert summary.balance == Decimal("50.00")
    assert (summary.shared.slots_total, summary.shared.slots_used, summary.shared.slots_available) == (5, 2, 3)
    assert summary.shared.traffic_available_gb == Decimal("7.5")
    assert summary.private.slots_available == 0
    assert summary.alerts[0].type == "low_traffic"
    assert summary.tier("private") is summary.private


def test_account_usage_and_balance_breakdown():
    upstream = ScriptedUpstream(
        reply(
            200,
            {
                "period": "30d",
                "generatedAt": "2025-12-17T10:00:00.000Z",
                "traffic": {
                    "shared": {
                        "totalUsedGB": 2.5,
                        "portCount": 2,
                        "byPort": [{"portId": "p1", "portName": "Proxy #1", "usedGB": 1.5}],
                    },
                    "combined": {"totalUsedGB": 2.5, "portCount": 2},
                },
            },
        ),
        reply(
            200,
            {
                "totalPayments": 100.0,
                "adminPaymentCredits": 0,
                "totalPurchases": 50.0,
                "trafficUsedGB": 2.5,
                "purchasedTrafficGB": 10,
                "availableTrafficGB": 7.5,
                "pricePerGB": 4,
                "balance": 50.0,
                "currency": "USD",
                "formula": "balance = (totalPayments + adminCredits) - totalPurchases",
            },
        ),
    )
    client = make_client(upstream)

    usage, balance = client.account_usage(period="30d"), client.balance_breakdown()

    assert upstream.requests[0].url.params["period"] == "30d"
    assert usage.total_used_gb == Decimal("2.5") and usage.by_port[0].port_name == "Proxy #1"
    assert balance.balance == Decimal("50.0") and balance.price_per_gb == Decimal(4)


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.create_port(
            country_id="", lifetime_seconds=86400, slot_type="shared", display_name="x", idempotency_key=IDEM
        ),
        lambda c: c.create_port(
            country_id="c1", lifetime_seconds=10, slot_type="shared", display_name="x", idempotency_key=IDEM
        ),
        lambda c: c.create_port(
            country_id="c1", lifetime_seconds=86400, slot_type="dedicated", display_name="x", idempotency_key=IDEM
        ),
        lambda c: c.create_port(
            country_id="c1", lifetime_seconds=86400, slot_type="shared", display_name="a b", idempotency_key=IDEM
        ),
        lambda c: c.create_port(
            country_id="c1", lifetime_seconds=86400, slot_type="shared", display_name="x", idempotency_key="short"
        ),
        lambda c: c.set_os_fingerprint("p1", value="beos:1", idempotency_key=IDEM),
        lambda c: c.change_credentials("p1", login="alice", password="has:colon", idempotency_key=IDEM),
        lambda c: c.set_rotation_settings("p1", enabled=True, interval_seconds=59, idempotency_key=IDEM),
        lambda c: c.set_rotation_settings("p1", enabled="yes", interval_seconds=600, idempotency_key=IDEM),
        lambda c: c.renew_port("p1", expires_at=datetime(2026, 1, 1), idempotency_key=IDEM),
        lambda c: c.get_port(".."),
        lambda c: c.get_port(""),
        lambda c: c.account_usage(period="1y"),
    ],
)
def test_bad_arguments_are_refused_before_any_request(call):
    upstream = ScriptedUpstream(reply(200, {}))

    with pytest.raises(ValueError):
        call(make_client(upstream))

    assert upstream.requests == []


def test_a_port_id_is_one_path_segment():
    upstream = ScriptedUpstream(reply(200, port_payload()))

    make_client(upstream).get_port("a/b?c")

    assert upstream.last.url.raw_path == b"/v1/ports/a%2Fb%3Fc"
