"""Top-up arithmetic: cap += addTrafficGB (null stays null), expiresAt = max(now, expiresAt) + days."""

from datetime import timedelta

import pytest

from apps.sandbox.upstream.models import SandboxAuditEvent, SandboxKey

from .support import START, error_code, iso


def top_up(api, key_id: str, **body):
    return api.post(f"/reseller/pool-keys/{key_id}/topup", json=body)


def test_top_up_adds_to_the_cap(api, mint):
    key = mint(trafficCapGB=10)
    record = top_up(api, key["id"], addTrafficGB=15).json()
    assert record["trafficCapGB"] == 25
    assert record["expiresAt"] is None  # no extendDays: no expiry appears


def test_top_up_keeps_a_fractional_cap_exact(api, mint):
    key = mint(trafficCapGB=0.1)
    assert top_up(api, key["id"], addTrafficGB=0.2).json()["trafficCapGB"] == 0.3


def test_top_up_leaves_a_null_cap_null(api, mint):
    key = mint()
    record = top_up(api, key["id"], addTrafficGB=5).json()
    assert record["trafficCapGB"] is None
    event = SandboxAuditEvent.objects.get(pak_id=key["id"], action="topup")
    assert event.metadata["trafficCapGB"] == {"from": None, "to": None}


def test_top_up_of_a_key_without_expiry_starts_from_now(api, mint, clock):
    key = mint(trafficCapGB=1)
    clock.advance(days=2)
    record = top_up(api, key["id"], extendDays=30).json()
    assert record["expiresAt"] == iso(START + timedelta(days=32))


def test_top_up_extends_a_future_expiry_from_that_expiry(api, mint):
    key = mint(expiresAt=iso(START + timedelta(days=10)))
    record = top_up(api, key["id"], extendDays=60).json()
    assert record["expiresAt"] == iso(START + timedelta(days=70))


def test_top_up_of_an_expired_key_extends_from_now(api, mint, clock):
    key = mint(expiresAt=iso(START + timedelta(days=1)))
    clock.advance(days=5)
    record = top_up(api, key["id"], extendDays=30).json()
    assert record["expiresAt"] == iso(START + timedelta(days=35))
    assert record["isExpired"] is False


def test_top_up_with_both_fields_changes_both_and_writes_one_event(api, mint):
    key = mint(trafficCapGB=10, expiresAt=iso(START + timedelta(days=1)))
    record = top_up(api, key["id"], addTrafficGB=10, extendDays=30).json()
    assert (record["trafficCapGB"], record["expiresAt"]) == (20, iso(START + timedelta(days=31)))
    event = SandboxAuditEvent.objects.get(pak_id=key["id"], action="topup")
    assert event.metadata["addTrafficGB"] == 10
    assert event.metadata["extendDays"] == 30


def test_top_up_does_not_re_enable_a_suspended_key(api, mint):
    key = mint(trafficCapGB=1)
    SandboxKey.objects.filter(public_id=key["id"]).update(enabled=False, traffic_used_mb=1100)

    record = top_up(api, key["id"], addTrafficGB=10).json()

    assert record["trafficCapGB"] == 11
    assert record["enabled"] is False
    assert api.patch(f"/reseller/pool-keys/{key['id']}", json={"enabled": True}).json()["enabled"] is True


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 400, "missing_parameter"),
        ({"addTrafficGB": None, "extendDays": None}, 400, "missing_parameter"),
        ({"addTrafficGB": 0}, 422, "value_out_of_range"),
        ({"addTrafficGB": -1}, 422, "value_out_of_range"),
        ({"extendDays": 0}, 422, "value_out_of_range"),
        ({"extendDays": 1.5}, 400, "invalid_parameter"),
        ({"extendDays": "30"}, 400, "invalid_parameter"),
        ({"addTrafficGB": 5, "extendDays": 0}, 422, "value_out_of_range"),
        ({"trafficCapGB": 25}, 400, "unknown_parameter"),  # the blog's example body is not the contract
    ],
)
def test_top_up_rejects_a_bad_body_and_changes_nothing(api, mint, body, status, code):
    key = mint(trafficCapGB=10)

    response = top_up(api, key["id"], **body)

    assert response.status_code == status
    assert error_code(response) == code
    stored = SandboxKey.objects.get(public_id=key["id"])
    assert (stored.traffic_cap_gb, stored.expires_at) == (10, None)
    assert not SandboxAuditEvent.objects.filter(action="topup").exists()


def test_top_up_unknown_key_is_404(api):
    assert top_up(api, "pk_nope", addTrafficGB=1).status_code == 404
