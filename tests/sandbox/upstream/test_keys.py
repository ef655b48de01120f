"""Mint, list, get, update, delete: the happy paths and the rejected bodies."""

import re
from datetime import timedelta

import pytest

from apps.sandbox.upstream.models import SandboxAuditEvent, SandboxKey, SandboxSession
from apps.sandbox.upstream.traffic import sandbox_simulate_traffic

from .support import START, error_code, iso

SECRET = re.compile(r"^pak_[0-9a-f]{24}$")


def test_mint_returns_the_full_record_with_the_secret(api, clock):
    expires = START + timedelta(days=30)
    response = api.post(
        "/reseller/pool-keys", json={"label": "customer:alice", "trafficCapGB": 10, "expiresAt": iso(expires)}
    )

    assert response.status_code == 201
    record = response.json()
    assert record["id"].startswith("pk_")
    assert SECRET.match(record["key"])
    assert record["label"] == "customer:alice"
    assert record["enabled"] is True
    assert record["trafficCapGB"] == 10
    assert record["trafficUsedMB"] == 0
    assert record["expiresAt"] == "2026-07-01T12:00:00.000Z"
    assert record["isExpired"] is False
    assert record["lastUsedAt"] is None
    assert record["createdAt"] == int(START.timestamp() * 1000)
    assert SandboxAuditEvent.objects.get(pak_id=record["id"]).action == "create"


def test_mint_without_cap_or_expiry_is_unbounded(mint):
    record = mint(label="perpetual")
    assert record["trafficCapGB"] is None
    assert record["expiresAt"] is None


def test_mint_accepts_a_fractional_cap(mint):
    assert mint(trafficCapGB=0.5)["trafficCapGB"] == 0.5


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 400, "missing_parameter"),
        ({"label": ""}, 400, "missing_parameter"),
        ({"label": "   "}, 400, "missing_parameter"),
        ({"label": None}, 400, "missing_parameter"),
        ({"label": 42}, 400, "invalid_parameter"),
        ({"label": "x" * 201}, 400, "invalid_parameter"),
        ({"label": "a", "trafficCapGB": "10"}, 400, "invalid_parameter"),
        ({"label": "a", "trafficCapGB": True}, 400, "invalid_parameter"),
        ({"label": "a", "trafficCapGB": 0}, 422, "value_out_of_range"),
        ({"label": "a", "trafficCapGB": -5}, 422, "value_out_of_range"),
        ({"label": "a", "trafficCapGB": 1_000_000}, 422, "value_out_of_range"),
        ({"label": "a", "expiresAt": "2026-05-01T00:00:00Z"}, 422, "expires_at_in_past"),
        ({"label": "a", "expiresAt": "2026-06-01T12:00:00Z"}, 422, "expires_at_in_past"),
        ({"label": "a", "expiresAt": "next tuesday"}, 400, "invalid_parameter"),
        ({"label": "a", "expiresAt": 1780000000000}, 400, "invalid_parameter"),
        ({"label": "a", "secret": "pak_mine"}, 400, "unknown_parameter"),
    ],
)
def test_mint_rejects_a_bad_body_and_creates_nothing(api, body, status, code):
    response = api.post("/reseller/pool-keys", json=body)

    assert response.status_code == status
    assert error_code(response) == code
    assert response.json()["error"]["message"]
    assert not SandboxKey.objects.exists()
    assert not SandboxAuditEvent.objects.exists()


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b'"label"', b'{"label": NaN}'])
def test_mint_rejects_a_body_that_is_not_a_json_object(api, raw):
    response = api.post("/reseller/pool-keys", content=raw, headers={"Content-Type": "application/json"})

    assert response.status_code == 400
    assert error_code(response) == "invalid_json"
    assert not SandboxKey.objects.exists()


def test_validation_errors_name_the_parameter(api):
    response = api.post("/reseller/pool-keys", json={"label": "a", "trafficCapGB": 0})
    assert response.json()["error"]["param"] == "trafficCapGB"


def test_list_masks_secrets_and_computes_is_expired(api, mint, clock):
    soon = mint(label="soon", expiresAt=iso(START + timedelta(hours=1)))
    later = mint(label="later")
    clock.advance(hours=2)

    listed = {k["id"]: k for k in api.get("/reseller/pool-keys").json()}

    assert listed[soon["id"]]["isExpired"] is True
    assert listed[soon["id"]]["enabled"] is True  # the nightly job has not run yet
    assert listed[later["id"]]["isExpired"] is False
    for record, full in ((listed[soon["id"]], soon["key"]), (listed[later["id"]], later["key"])):
        assert record["key"] != full
        assert record["key"].startswith("pak_") and record["key"].endswith(full[-4:])


def test_list_is_newest_first(api, mint, clock):
    first = mint(label="first")
    clock.advance(seconds=1)
    second = mint(label="second")
    assert [k["id"] for k in api.get("/reseller/pool-keys").json()] == [second["id"], first["id"]]


def test_get_returns_one_key_with_usage(api, mint):
    key = mint(trafficCapGB=2)
    SandboxKey.objects.filter(public_id=key["id"]).update(traffic_used_mb=1536)

    record = api.get(f"/reseller/pool-keys/{key['id']}").json()

    assert record["trafficUsedMB"] == 1536
    assert record["trafficUsedGB"] == 1.5
    assert record["key"] != key["key"]


def test_get_unknown_key_is_404(api):
    response = api.get("/reseller/pool-keys/pk_doesnotexist")
    assert response.status_code == 404
    assert error_code(response) == "pool_key_not_found"


def test_update_changes_fields_and_writes_one_event(api, mint, clock):
    key = mint(trafficCapGB=5)
    clock.advance(minutes=5)

    response = api.patch(f"/reseller/pool-keys/{key['id']}", json={"label": "renamed", "trafficCapGB": 8})

    assert response.status_code == 200
    record = response.json()
    assert record["label"] == "renamed"
    assert record["trafficCapGB"] == 8
    assert record["updatedAt"] == int((START + timedelta(minutes=5)).timestamp() * 1000)
    event = SandboxAuditEvent.objects.get(pak_id=key["id"], action="update")
    assert event.metadata["changes"] == {
        "label": {"from": "customer:alice", "to": "renamed"},
        "trafficCapGB": {"from": 5, "to": 8},
    }


def test_update_null_expiry_makes_the_key_perpetual(api, mint):
    key = mint(expiresAt=iso(START + timedelta(days=3)))
    record = api.patch(f"/reseller/pool-keys/{key['id']}", json={"expiresAt": None}).json()
    assert record["expiresAt"] is None


def test_update_null_cap_makes_the_key_unbounded(api, mint):
    key = mint(trafficCapGB=3)
    assert api.patch(f"/reseller/pool-keys/{key['id']}", json={"trafficCapGB": None}).json()["trafficCapGB"] is None


def test_update_with_empty_body_changes_nothing(api, mint):
    key = mint()
    record = api.patch(f"/reseller/pool-keys/{key['id']}", json={}).json()
    assert record["updatedAt"] == key["updatedAt"]
    assert not SandboxAuditEvent.objects.filter(action="update").exists()


def test_disabling_a_key_cuts_its_sessions_at_once(api, mint, clock):
    key = mint()
    sandbox_simulate_traffic(now=START)
    assert SandboxSession.objects.filter(pak_id=key["id"]).exists()

    api.patch(f"/reseller/pool-keys/{key['id']}", json={"enabled": False})

    assert not SandboxSession.objects.filter(pak_id=key["id"]).exists()


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"enabled": "false"}, 400, "invalid_parameter"),
        ({"enabled": None}, 400, "invalid_parameter"),
        ({"label": ""}, 400, "missing_parameter"),
        ({"trafficCapGB": 0}, 422, "value_out_of_range"),
        ({"expiresAt": "2020-01-01T00:00:00Z"}, 422, "expires_at_in_past"),
        ({"addTrafficGB": 1}, 400, "unknown_parameter"),
    ],
)
def test_update_rejects_a_bad_body_and_changes_nothing(api, mint, body, status, code):
    key = mint(label="before", trafficCapGB=5)

    response = api.patch(f"/reseller/pool-keys/{key['id']}", json={"label": "after", **body})

    assert response.status_code == status
    assert error_code(response) == code
    stored = SandboxKey.objects.get(public_id=key["id"])
    assert (stored.label, stored.traffic_cap_gb, stored.enabled) == ("before", 5, True)


def test_update_unknown_key_is_404(api):
    assert api.patch("/reseller/pool-keys/pk_nope", json={"label": "x"}).status_code == 404


def test_delete_removes_the_key_and_its_sessions(api, mint):
    key = mint()
    sandbox_simulate_traffic(now=START)

    response = api.delete(f"/reseller/pool-keys/{key['id']}")

    assert response.status_code == 200
    assert response.json()["success"] is True
    assert api.get(f"/reseller/pool-keys/{key['id']}").status_code == 404
    assert not SandboxSession.objects.filter(pak_id=key["id"]).exists()
    assert SandboxAuditEvent.objects.filter(pak_id=key["id"], action="delete").exists()


def test_delete_unknown_key_is_404(api):
    assert api.delete("/reseller/pool-keys/pk_nope").status_code == 404
