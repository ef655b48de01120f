"""Contract tests: the shop's ports client (apps/ports/upstream) against the simulator. Every
call the client makes is answered in a shape it accepts, with the values the contract promises
(docs/ports-contract.md), so the simulator and the client's expectations cannot drift apart."""

from datetime import timedelta

import pytest

from apps.ports.upstream.errors import (
    PortNoCapacity,
    PortRotationCooldown,
    UpstreamNotFound,
    UpstreamValidationError,
)
from apps.ports.upstream.records import OS_FINGERPRINT_VALUES, TRIGGER_API_TOKEN, TRIGGER_MANUAL
from apps.sandbox.ports.services import sandbox_devices_set_online, sandbox_ports_account_set
from tests.ports.client_support import created_payload, port_payload, summary_payload

pytestmark = pytest.mark.django_db

IDEM = "contract-test-key-1"


def _germany(client):
    return next(c for c in client.countries() if c.code == "DE")


def _create(client, *, slot_type="shared", key=IDEM, name="sf-u1-contract", country_id=None):
    return client.create_port(
        country_id=country_id or _germany(client).id,
        lifetime_seconds=30 * 86400,
        slot_type=slot_type,
        display_name=name,
        idempotency_key=key,
    )


def test_reference_data_parses(ports_client):
    germany = _germany(ports_client)
    carriers = ports_client.carriers(germany.id)
    tariffs = ports_client.tariffs()

    assert germany.free_devices == sum(c.free_devices for c in carriers)
    assert {t.category for t in tariffs} == {"shared", "private"}


def test_a_port_round_trips_through_every_read(ports_client, clock):
    created = _create(ports_client)
    port = ports_client.get_port(created.id)
    [listed] = ports_client.list_ports()

    assert created.password and created.password == port.password
    assert listed.id == port.id == created.id
    assert port.display_name == "sf-u1-contract"
    assert port.slot_type == "shared" and port.status == "active"
    assert port.expires_at == clock() + timedelta(days=30)
    assert port.rotation_token and port.device.country_code == "DE"
    assert ports_client.port_status(port.id).status == "online"
    assert ports_client.ping_port(port.id).ip == ports_client.port_ip(port.id).public_ip
    assert {o.value for o in ports_client.os_fingerprints(port.id)} == set(OS_FINGERPRINT_VALUES)


def test_writes_parse_and_take_effect(ports_client, clock):
    port = _create(ports_client)

    after_credentials = ports_client.change_credentials(
        port.id, login="alice_1", password="N3wPassword", idempotency_key="contract-cred-1"
    )
    after_fingerprint = ports_client.set_os_fingerprint(port.id, value="android:3", idempotency_key="contract-fp-1")
    target = port.expires_at + timedelta(days=30)
    renewed = ports_client.renew_port(port.id, expires_at=target, idempotency_key="contract-renew-1")
    us = next(c for c in ports_client.countries() if c.code == "US")
    moved = ports_client.reconfigure_port(port.id, country_id=us.id, idempotency_key="contract-move-1")

    assert (after_credentials.login, after_credentials.password) == ("alice_1", "N3wPassword")
    assert after_fingerprint.os_fingerprint == "android:3"
    assert renewed.expires_at == target
    assert moved.device.country_code == "US"


def test_rotation_cooldown_settings_and_history(ports_client, clock):
    port = ports_client.get_port(_create(ports_client).id)

    assert ports_client.can_rotate(port.id).can_rotate
    result = ports_client.rotate_port(port.id, idempotency_key="contract-rot-1")
    with pytest.raises(PortRotationCooldown) as caught:
        ports_client.rotate_port(port.id, idempotency_key="contract-rot-2")
    check = ports_client.can_rotate(port.id)
    clock.advance(minutes=5)
    by_token = ports_client.rotate_by_token(port.rotation_token)
    settings = ports_client.set_rotation_settings(
        port.id, enabled=True, interval_seconds=600, match_carrier=True, idempotency_key="contract-set-1"
    )
    history = ports_client.rotation_history(port.id)

    assert result.new_ip and result.new_ip != result.old_ip
    assert caught.value.retry_after == 300
    assert not check.can_rotate and check.cooldown_remaining == 300
    assert by_token.success
    assert (settings.enabled, settings.interval_seconds, settings.match_carrier) == (True, 600, True)
    assert [r.trigger_type for r in history.rotations] == [TRIGGER_API_TOKEN, TRIGGER_MANUAL]


def test_an_interval_out_of_bounds_is_a_validation_error(ports_client):
    port = _create(ports_client)

    with pytest.raises(UpstreamValidationError):
        ports_client.set_rotation_settings(port.id, enabled=True, interval_seconds=120, idempotency_key="contract-s")


def test_no_slot_and_no_device_are_told_apart(ports_client):
    germany = _germany(ports_client)
    sandbox_ports_account_set(shared_slots=0)
    with pytest.raises(PortNoCapacity) as no_slot:
        _create(ports_client)
    sandbox_ports_account_set(shared_slots=5)
    sandbox_devices_set_online(country_code="DE", online=False)
    with pytest.raises(PortNoCapacity) as no_device:
        _create(ports_client, key="contract-test-key-2", country_id=germany.id)

    assert "DE" not in {c.code for c in ports_client.countries()}
    assert (no_slot.value.reason, no_device.value.reason) == ("slots", "devices")


def test_delete_then_get_is_not_found(ports_client):
    port = _create(ports_client)

    assert ports_client.delete_port(port.id, idempotency_key="contract-del-1") == "Port deleted successfully"
    with pytest.raises(UpstreamNotFound):
        ports_client.get_port(port.id)


def test_account_calls_parse(ports_client):
    _create(ports_client)
    _create(ports_client, slot_type="private", key="contract-test-key-3", name="sf-u1-contract2")

    summary = ports_client.account_summary()
    account = ports_client.account()
    usage = ports_client.account_usage(period="30d")
    balance = ports_client.balance_breakdown()

    assert (summary.shared.slots_used, summary.private.slots_used) == (1, 1)
    assert account.shared.slots_available == summary.shared.slots_available
    assert usage.port_count == 2
    assert balance.currency == "USD"


# The same expectations on both sides: the client is unit-tested against payloads shaped like
# seed 003's examples (tests/ports/client_support.py); the simulator must answer every field of
# those examples, with the same JSON type, so a field the client reads cannot exist on one
# side only.


def _shape(value):
    if isinstance(value, dict):
        return {name: _shape(item) for name, item in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "null" if value is None else "string"


def _differences(expected, actual, where: str = "") -> list[str]:
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{where or '.'}: an object expected, got {actual!r}"]
        out = []
        for name, shape in expected.items():
            if name not in actual:
                out.append(f"{where}.{name}: missing")
            else:
                out += _differences(shape, actual[name], f"{where}.{name}")
        return out
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [f"{where}: a list expected, got {actual!r}"]
        return _differences(expected[0], actual[0], f"{where}[0]") if expected and actual else []
    return [] if expected == actual else [f"{where}: {expected} expected, got {actual}"]


def _simulated_port(api, create, clock):
    """A port in the example's state: automatic rotation on, rotated once."""
    port_id = create()["_id"]
    assert api.patch(f"/ports/{port_id}/rotation-settings", json={"enabled": True, "intervalSeconds": 1800}).is_success
    assert api.post(f"/ports/{port_id}/rotate").is_success
    return api.get(f"/ports/{port_id}").json()


def _simulated_create(api, create, clock):
    country = next(row["_id"] for row in api.get("/countries/with-devices").json() if row["code"] == "DE")
    response = api.post(
        "/ports", json={"countryId": country, "expiresAt": 30 * 86400, "slotType": "shared", "displayName": "sf-u1-x"}
    )
    assert response.status_code == 201, response.text
    return response.json()


def _simulated_summary(api, create, clock):
    """An account in the example's state: a subscription with an expiry."""
    sandbox_ports_account_set(subscription_expires_at=clock() + timedelta(days=29))
    return api.get("/account/summary").json()


@pytest.mark.parametrize(
    ("seed", "simulated"),
    [
        (port_payload, _simulated_port),
        (created_payload, _simulated_create),
        (summary_payload, _simulated_summary),
    ],
    ids=["GET /ports/{id}", "POST /ports", "GET /account/summary"],
)
def test_the_simulator_answers_every_field_of_the_seed_examples(api, create, clock, seed, simulated):
    assert _differences(_shape(seed()), _shape(simulated(api, create, clock))) == []
