"""Rotation in the ports simulator: shared ports change device, private ports change IP, the
per-type cooldown, the history with its three triggers, the public token link and the
auto-rotation schedule on the sandbox clock."""

import pytest

from apps.sandbox.ports.models import SandboxPortRotation

from .support import error_code

pytestmark = pytest.mark.django_db


def test_a_shared_port_moves_to_another_device_and_ip(api, create):
    port = create("DE")

    result = api.post(f"/ports/{port['id']}/rotate").json()

    assert result["success"] is True
    assert result["oldDeviceId"] == port["device"]["_id"] != result["newDeviceId"]
    assert result["newIp"] != result["oldIp"]
    assert api.get(f"/ports/{port['id']}/ip").json()["publicIp"] == result["newIp"]
    assert api.get(f"/ports/{port['id']}").json()["rotationSettings"]["rotationCount"] == 1


def test_a_second_shared_rotation_inside_five_minutes_is_refused_with_the_wait(api, create, clock):
    port = create("DE")
    api.post(f"/ports/{port['id']}/rotate")
    clock.advance(seconds=120)

    refused = api.post(f"/ports/{port['id']}/rotate")
    check = api.get(f"/ports/{port['id']}/can-rotate").json()

    assert refused.status_code == 429 and error_code(refused) == "rotation_cooldown"
    assert refused.headers["Retry-After"] == "180"
    assert "Must wait 180 seconds" in refused.json()["error"]["message"]
    assert check == {
        "canRotate": False,
        "reason": "Rate limited. Must wait 180 seconds before next rotation.",
        "nextRotationAt": "2026-06-01T12:05:00.000Z",
        "cooldownRemaining": 180,
    }
    clock.advance(seconds=180)
    assert api.get(f"/ports/{port['id']}/can-rotate").json()["canRotate"] is True
    assert api.post(f"/ports/{port['id']}/rotate").status_code == 200


def test_a_private_port_keeps_its_device_and_cools_down_for_one_minute(api, create, clock):
    port = create("PL", slotType="private")

    result = api.post(f"/ports/{port['id']}/rotate").json()

    assert result["isAirplaneMode"] is True and "newIp" not in result
    assert api.get(f"/ports/{port['id']}").json()["device"]["_id"] == port["device"]["_id"]
    assert api.get(f"/ports/{port['id']}/ip").json()["publicIp"] != result["oldIp"]
    clock.advance(seconds=59)
    assert api.post(f"/ports/{port['id']}/rotate").headers["Retry-After"] == "1"
    clock.advance(seconds=1)
    assert api.post(f"/ports/{port['id']}/rotate").status_code == 200


def test_the_token_link_rotates_without_the_api_key(api, anon, create, clock):
    port = create("DE")

    response = anon.get(f"https://api.proxies.sx/rotate/{port['rotationToken']}")

    assert response.status_code == 200 and response.json()["success"] is True
    assert anon.get("https://api.proxies.sx/rotate/not-a-token").status_code == 404
    assert anon.get(f"https://api.proxies.sx/rotate/{port['rotationToken']}").status_code == 429


def test_history_lists_manual_token_and_automatic_rotations_newest_first(api, anon, create, clock):
    port = create("DE")
    api.post(f"/ports/{port['id']}/rotate")
    clock.advance(minutes=5)
    anon.get(f"https://api.proxies.sx/rotate/{port['rotationToken']}")
    api.patch(f"/ports/{port['id']}/rotation-settings", json={"enabled": True, "intervalSeconds": 300})
    clock.advance(minutes=5)

    history = api.get(f"/ports/{port['id']}/rotation-history").json()

    assert [r["triggerType"] for r in history["rotations"]] == ["automatic", "api_token", "manual"]
    assert history["total"] == 3
    first = history["rotations"][-1]
    assert first["fromIp"] != first["toIp"] and first["country"] == "Germany"


def test_auto_rotation_follows_the_sandbox_clock(api, create, clock):
    port = create("PL", slotType="private")
    settings = api.patch(
        f"/ports/{port['id']}/rotation-settings", json={"enabled": True, "intervalSeconds": 60, "matchCity": True}
    ).json()
    assert (settings["enabled"], settings["intervalSeconds"], settings["intervalMinutes"]) == (True, 60, 1)

    clock.advance(seconds=59)
    api.get("/ports")
    assert SandboxPortRotation.objects.count() == 0
    clock.advance(seconds=1)
    api.get("/ports")
    clock.advance(seconds=60)
    api.get("/ports")

    assert SandboxPortRotation.objects.filter(trigger_type="automatic").count() == 2

    api.patch(f"/ports/{port['id']}/rotation-settings", json={"enabled": False})
    clock.advance(hours=1)
    api.get("/ports")
    assert SandboxPortRotation.objects.count() == 2


@pytest.mark.parametrize(("slot_type", "low"), [("shared", 300), ("private", 60)])
def test_auto_rotation_intervals_keep_to_the_bounds_of_the_type(api, create, slot_type, low):
    port = create("US", slotType=slot_type)
    path = f"/ports/{port['id']}/rotation-settings"

    assert api.patch(path, json={"enabled": True, "intervalSeconds": low - 1}).status_code == 400
    assert error_code(api.patch(path, json={"enabled": True, "intervalSeconds": 86401})) == "invalid_interval"
    assert api.patch(path, json={"enabled": True, "intervalSeconds": low}).status_code == 200


def test_match_carrier_keeps_the_carrier(api, create):
    port = create("DE")
    api.patch(f"/ports/{port['id']}/rotation-settings", json={"enabled": False, "matchCarrier": True})

    api.post(f"/ports/{port['id']}/rotate")

    after = api.get(f"/ports/{port['id']}").json()
    assert after["device"]["carrier"]["brand"] == port["device"]["carrier"]["brand"]
