"""What the platform does on its own: gateway auth, auto-suspend at the cap, expiry, and the
secret lifecycle (regenerate, reveal)."""

import random
from datetime import timedelta

from apps.sandbox.upstream.models import SandboxAuditEvent, SandboxKey, SandboxSession
from apps.sandbox.upstream.services import sandbox_expiry_sweep, sandbox_key_accepts
from apps.sandbox.upstream.traffic import sandbox_simulate_traffic

from .support import START, iso


def actions(key_id: str) -> list[str]:
    events = SandboxAuditEvent.objects.filter(pak_id=key_id).order_by("created_at", "id")
    return list(events.values_list("action", flat=True))


def test_a_fresh_key_is_accepted_by_the_gateway(mint):
    key = mint(trafficCapGB=1)
    assert sandbox_key_accepts(key["key"]) is True
    assert actions(key["id"])[-1] == "gateway_auth_success"


def test_the_gateway_rejects_unknown_and_near_miss_secrets(mint):
    key = mint()
    assert sandbox_key_accepts("pak_" + "0" * 24) is False
    last = "0" if key["key"][-1] != "0" else "1"
    assert sandbox_key_accepts(key["key"][:-1] + last) is False
    upper = "pak_" + key["key"][4:].upper()
    assert upper == key["key"] or sandbox_key_accepts(upper) is False
    assert sandbox_key_accepts("") is False
    failure = SandboxAuditEvent.objects.filter(action="gateway_auth_failure").first()
    assert failure.metadata["reason"] == "unknown_key"
    assert "0" * 20 not in failure.metadata["keyHint"]  # never the whole secret in the log


def test_a_disabled_key_is_rejected_with_its_reason(api, mint):
    key = mint()
    api.patch(f"/reseller/pool-keys/{key['id']}", json={"enabled": False})
    assert sandbox_key_accepts(key["key"]) is False
    event = SandboxAuditEvent.objects.get(pak_id=key["id"], action="gateway_auth_failure")
    assert event.metadata["reason"] == "disabled"
    assert event.auth_method == "gateway"


def test_the_gateway_rejects_an_expired_key_before_the_nightly_job(api, mint, clock):
    key = mint(expiresAt=iso(START + timedelta(hours=1)))
    clock.advance(hours=1)

    assert sandbox_key_accepts(key["key"]) is False

    record = api.get(f"/reseller/pool-keys/{key['id']}").json()
    assert (record["enabled"], record["isExpired"]) == (True, True)
    assert SandboxAuditEvent.objects.get(action="gateway_auth_failure").metadata["reason"] == "expired"


def test_the_nightly_job_disables_expired_keys_once(api, mint, clock):
    expiring = mint(label="expiring", expiresAt=iso(START + timedelta(days=1)))
    lasting = mint(label="lasting", expiresAt=iso(START + timedelta(days=90)))
    clock.advance(days=2)

    assert sandbox_expiry_sweep() == [expiring["id"]]
    assert sandbox_expiry_sweep() == []

    assert api.get(f"/reseller/pool-keys/{expiring['id']}").json()["enabled"] is False
    assert api.get(f"/reseller/pool-keys/{lasting['id']}").json()["enabled"] is True
    event = SandboxAuditEvent.objects.get(action="auto_suspended_expired")
    assert (event.pak_id, event.auth_method) == (expiring["id"], "system")


def test_reaching_the_cap_suspends_the_key_with_an_audit_event(api, mint, clock):
    key = mint(trafficCapGB=0.1)  # 102.4 MB

    tick = sandbox_simulate_traffic(now=clock(), rng=random.Random(1), mb=200)

    assert tick.suspended_cap == [key["id"]]
    record = api.get(f"/reseller/pool-keys/{key['id']}").json()
    assert record["enabled"] is False
    assert record["trafficUsedMB"] >= 102.4
    event = SandboxAuditEvent.objects.get(pak_id=key["id"], action="auto_suspended_cap_exceeded")
    assert event.auth_method == "system"
    assert event.metadata["trafficCapGB"] == 0.1
    assert not SandboxSession.objects.filter(pak_id=key["id"]).exists()
    assert sandbox_key_accepts(key["key"]) is False


def test_a_key_under_its_cap_is_not_suspended(mint, clock):
    key = mint(trafficCapGB=10)
    tick = sandbox_simulate_traffic(now=clock(), rng=random.Random(1), mb=50)
    assert tick.suspended_cap == []
    assert SandboxKey.objects.get(public_id=key["id"]).enabled is True
    assert "auto_suspended_cap_exceeded" not in actions(key["id"])


def test_the_gateway_suspends_a_key_whose_cap_was_lowered_below_its_usage(api, mint):
    key = mint(trafficCapGB=5)
    SandboxKey.objects.filter(public_id=key["id"]).update(traffic_used_mb=2048)
    api.patch(f"/reseller/pool-keys/{key['id']}", json={"trafficCapGB": 1})

    assert sandbox_key_accepts(key["key"]) is False

    assert actions(key["id"])[-2:] == ["auto_suspended_cap_exceeded", "gateway_auth_failure"]


def test_top_up_then_enable_lifts_a_cap_suspension(api, mint, clock):
    key = mint(trafficCapGB=0.1)
    sandbox_simulate_traffic(now=clock(), rng=random.Random(2), mb=200)
    api.post(f"/reseller/pool-keys/{key['id']}/topup", json={"addTrafficGB": 10})
    assert sandbox_key_accepts(key["key"]) is False  # still suspended after the top-up alone

    api.patch(f"/reseller/pool-keys/{key['id']}", json={"enabled": True})

    assert sandbox_key_accepts(key["key"]) is True


def test_regenerate_invalidates_the_old_secret_at_once(api, mint):
    key = mint()
    assert sandbox_key_accepts(key["key"]) is True

    response = api.post(f"/reseller/pool-keys/{key['id']}/regenerate")

    assert response.status_code == 200
    new = response.json()
    assert new["id"] == key["id"]
    assert new["key"] != key["key"] and new["key"].startswith("pak_")
    assert sandbox_key_accepts(key["key"]) is False
    assert sandbox_key_accepts(new["key"]) is True
    regenerate = SandboxAuditEvent.objects.get(pak_id=key["id"], action="regenerate")
    assert key["key"] not in str(regenerate.metadata) and new["key"] not in str(regenerate.metadata)


def test_regenerate_unknown_key_is_404(api):
    assert api.post("/reseller/pool-keys/pk_nope/regenerate").status_code == 404


def test_reveal_returns_the_secret_and_is_audited(api, mint):
    key = mint()

    response = api.post(f"/reseller/pool-keys/{key['id']}/reveal", headers={"User-Agent": "support-console/2"})

    assert response.status_code == 200
    assert response.json()["key"] == key["key"]
    event = SandboxAuditEvent.objects.get(pak_id=key["id"], action="reveal")
    assert event.user_agent == "support-console/2"
    assert event.request_id == response.headers["X-Request-ID"]
    assert event.auth_method == "apiKey"
    assert event.ip == "127.0.0.1"


def test_reveal_unknown_key_is_404_and_writes_nothing(api):
    assert api.post("/reseller/pool-keys/pk_nope/reveal").status_code == 404
    assert not SandboxAuditEvent.objects.exists()
