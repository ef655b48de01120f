"""The ports simulator's port calls: slots and devices, credentials, fingerprints, reconfigure,
renew (A4), status, ping, ip, and the errors a caller can meet."""

from datetime import timedelta

import pytest

from apps.sandbox.ports.services import sandbox_devices_set_online, sandbox_port_suspend, sandbox_ports_account_set

from .support import START, error_code, free_devices

pytestmark = pytest.mark.django_db


def test_a_new_port_has_credentials_a_device_and_the_requested_lifetime(api, create):
    port = create("DE", displayName="sf-u1-order1", osFingerprint="windows:1")

    assert port["displayName"] == "sf-u1-order1"
    assert port["slotType"] == "shared" and port["exclusive"] is False
    assert port["proxyLogin"] and port["proxyPassword"]
    assert port["device"]["country"]["code"] == "DE"
    assert port["osFingerprint"] == "windows:1"
    assert port["expiresAt"] == int((START + timedelta(days=30)).timestamp() * 1000)
    assert port["rotationLink"].endswith("/rotate/" + port["rotationToken"])
    assert port["status"] == "active"


def test_a_port_takes_a_slot_and_deleting_it_gives_the_slot_back(api, create, country_id):
    sandbox_ports_account_set(shared_slots=1)
    port = create("DE")
    body = {"countryId": country_id("DE"), "expiresAt": 86400}

    refused = api.post("/ports", json=body)
    assert refused.status_code == 409 and error_code(refused) == "no_available_slots"

    assert api.delete(f"/ports/{port['id']}").json() == {"message": "Port deleted successfully"}
    assert api.post("/ports", json=body).status_code == 201


def test_a_private_port_holds_its_device_alone(api, create):
    before = free_devices(api, "PL")

    port = create("PL", slotType="private")

    assert port["slotType"] == "private" and port["exclusive"] is True
    assert free_devices(api, "PL") == before - 1
    api.delete(f"/ports/{port['id']}")
    assert free_devices(api, "PL") == before


def test_creating_where_no_device_is_free_says_so_and_takes_no_slot(api, create):
    sandbox_devices_set_online(country_code="GB", online=False)
    summary_before = api.get("/account/summary").json()

    response = api.post("/ports", json={"countryId": _gb_id(), "expiresAt": 86400})

    assert response.status_code == 409 and error_code(response) == "no_available_devices"
    assert api.get("/account/summary").json()["shared"]["slots"] == summary_before["shared"]["slots"]
    assert api.get("/ports").json() == []


def _gb_id():
    from apps.sandbox.ports.models import SandboxPortCountry

    return SandboxPortCountry.objects.get(code="GB").public_id


def test_a_carrier_narrows_the_device(api, create, country_id):
    carriers = api.get(f"/carriers/country/{country_id('DE')}", params={"withDevice": "true"}).json()
    o2 = next(c for c in carriers if c["brand"] == "O2")

    port = create("DE", carrierId=o2["_id"])

    assert port["device"]["carrier"]["brand"] == "O2"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"expiresAt": 86400}, 400, "missing_parameter"),
        ({"countryId": "nope", "expiresAt": 86400}, 404, "country_not_found"),
        ({"expiresAt": "1d"}, 400, "invalid_parameter"),
        ({"expiresAt": 60}, 422, "value_out_of_range"),
        ({"expiresAt": 86400, "slotType": "dedicated"}, 400, "invalid_parameter"),
        ({"expiresAt": 86400, "osFingerprint": "beos:1"}, 400, "invalid_parameter"),
        ({"expiresAt": 86400, "carrierId": "nope"}, 404, "carrier_not_found"),
        ({"expiresAt": 86400, "colour": "red"}, 400, "unknown_parameter"),
    ],
)
def test_bad_creates_are_refused_with_nothing_created(api, country_id, body, status, code):
    if "countryId" not in body and code != "missing_parameter":
        body["countryId"] = country_id("DE")

    response = api.post("/ports", json=body)

    assert (response.status_code, error_code(response)) == (status, code)
    assert api.get("/ports").json() == []


def test_credentials_and_fingerprint_change(api, create):
    port = create("DE")

    changed = api.patch(
        f"/ports/{port['id']}/credentials", json={"proxyLogin": "alice_1", "proxyPassword": "S3cretPass"}
    )
    assert changed.status_code == 200
    assert (changed.json()["proxyLogin"], changed.json()["proxyPassword"]) == ("alice_1", "S3cretPass")
    bad = api.patch(f"/ports/{port['id']}/credentials", json={"proxyLogin": "a b", "proxyPassword": "x"})
    assert bad.status_code == 400

    options = api.get(f"/ports/{port['id']}/os-fingerprints").json()
    assert {"value": "ios:2", "label": "iOS (Real iPhone)"} in options
    assert (
        api.patch(f"/ports/{port['id']}/os-fingerprint", json={"osFingerprint": "ios:2"}).json()["osFingerprint"]
        == "ios:2"
    )


def test_reconfigure_moves_the_port_to_another_country(api, create, country_id):
    port = create("DE")

    moved = api.patch(f"/ports/{port['id']}/reconfigure", json={"countryId": country_id("US")})

    assert moved.status_code == 200
    assert moved.json()["device"]["country"]["code"] == "US"


def test_renew_sets_an_absolute_expiry_once(api, create, clock):
    port = create("DE")
    target = port["expiresAt"] + 30 * 86400 * 1000

    first = api.post(f"/ports/{port['id']}/renew", json={"expiresAt": target})
    again = api.post(f"/ports/{port['id']}/renew", json={"expiresAt": target})

    assert first.json()["expiresAt"] == again.json()["expiresAt"] == target
    shorter = api.post(f"/ports/{port['id']}/renew", json={"expiresAt": target - 1000})
    assert shorter.status_code == 422 and error_code(shorter) == "expiry_would_shorten"


def test_an_expired_port_reports_it_and_renewing_revives_it(api, create, clock):
    port = create("DE", expiresAt=3600)
    clock.advance(hours=2)

    assert api.get(f"/ports/{port['id']}").json()["status"] == "expired"
    assert api.get(f"/ports/{port['id']}/status").json()["status"] == "offline"
    assert error_code(api.post(f"/ports/{port['id']}/rotate")) == "port_expired"

    target = int((clock() + timedelta(days=30)).timestamp() * 1000)
    assert api.post(f"/ports/{port['id']}/renew", json={"expiresAt": target}).json()["status"] == "active"


def test_status_ping_and_ip_agree_on_the_public_ip(api, create):
    port = create("DE")

    status = api.get(f"/ports/{port['id']}/status").json()
    ping = api.get(f"/ports/{port['id']}/ping").json()
    ip = api.get(f"/ports/{port['id']}/ip").json()

    assert status["status"] == "online" and status["isActive"] is True
    assert ping["success"] is True and ping["ip"] == ip["publicIp"]
    assert ip["serverIp"] == port["serverIp"]


def test_a_suspended_port_cannot_rotate(api, create):
    port = create("DE")
    sandbox_port_suspend(port_id=port["id"])

    response = api.post(f"/ports/{port['id']}/rotate")

    assert response.status_code == 403 and error_code(response) == "port_suspended"
    assert api.get(f"/ports/{port['id']}").json()["status"] == "suspended"


def test_an_unknown_port_is_a_404_and_every_call_needs_the_key(api, anon):
    assert error_code(api.get("/ports/nope")) == "port_not_found"
    assert anon.get("/ports").status_code == 401


def test_a_replayed_create_makes_one_port(api, country_id):
    body = {"countryId": country_id("DE"), "expiresAt": 86400, "displayName": "sf-u1-o9"}
    headers = {"Idempotency-Key": "order-9-port-create"}

    first = api.post("/ports", json=body, headers=headers)
    second = api.post("/ports", json=body, headers=headers)

    assert first.json()["_id"] == second.json()["_id"]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert len(api.get("/ports").json()) == 1
