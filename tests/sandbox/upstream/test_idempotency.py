"""Idempotency-Key: same key within 24 h replays the cached reply with no second effect."""

import pytest

from apps.sandbox.upstream import idempotency
from apps.sandbox.upstream.models import SandboxAuditEvent, SandboxIdempotencyRecord, SandboxKey

from .support import error_code


def post(api, path: str, key: str, **body):
    return api.post(path, json=body, headers={"Idempotency-Key": key})


def test_replayed_mint_returns_the_same_key_and_mints_once(api):
    first = post(api, "/reseller/pool-keys", "order_1234", label="customer:alice", trafficCapGB=10)
    again = post(api, "/reseller/pool-keys", "order_1234", label="customer:alice", trafficCapGB=10)

    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["X-Request-ID"] != first.headers["X-Request-ID"]
    assert SandboxKey.objects.count() == 1
    assert SandboxAuditEvent.objects.filter(action="create").count() == 1


def test_replay_ignores_key_order_and_whitespace_in_the_body(api):
    post(api, "/reseller/pool-keys", "order_5678", label="a", trafficCapGB=1)
    raw = b'{ "trafficCapGB": 1,\n "label": "a" }'
    again = api.post("/reseller/pool-keys", content=raw, headers={"Idempotency-Key": "order_5678"})
    assert again.headers["Idempotent-Replayed"] == "true"
    assert SandboxKey.objects.count() == 1


def test_replayed_top_up_adds_the_traffic_once(api, mint):
    key = mint(trafficCapGB=10)
    path = f"/reseller/pool-keys/{key['id']}/topup"

    post(api, path, "topup_inv_0001", addTrafficGB=5)
    replay = post(api, path, "topup_inv_0001", addTrafficGB=5)

    assert replay.json()["trafficCapGB"] == 15
    assert SandboxKey.objects.get(public_id=key["id"]).traffic_cap_gb == 15


def test_replayed_regenerate_returns_the_same_secret(api, mint):
    key = mint()
    path = f"/reseller/pool-keys/{key['id']}/regenerate"
    first = api.post(path, headers={"Idempotency-Key": "leak_ticket_77"}).json()
    again = api.post(path, headers={"Idempotency-Key": "leak_ticket_77"}).json()
    assert first["key"] == again["key"] != key["key"]
    assert SandboxAuditEvent.objects.filter(action="regenerate").count() == 1


def test_replayed_delete_succeeds_again_instead_of_404(api, mint):
    key = mint()
    path = f"/reseller/pool-keys/{key['id']}"
    assert api.delete(path, headers={"Idempotency-Key": "delete_key_1"}).status_code == 200
    replay = api.delete(path, headers={"Idempotency-Key": "delete_key_1"})
    assert replay.status_code == 200
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert api.delete(path, headers={"Idempotency-Key": "delete_key_2"}).status_code == 404


def test_a_key_reused_with_a_different_body_is_422_and_does_nothing(api, mint):
    key = mint(trafficCapGB=10)
    path = f"/reseller/pool-keys/{key['id']}/topup"
    post(api, path, "topup_inv_0002", addTrafficGB=5)

    response = post(api, path, "topup_inv_0002", addTrafficGB=50)

    assert response.status_code == 422
    assert error_code(response) == "idempotency_key_reused"
    assert SandboxKey.objects.get(public_id=key["id"]).traffic_cap_gb == 15


def test_the_same_key_on_another_path_is_a_separate_request(api, mint):
    one, two = mint(label="one", trafficCapGB=1), mint(label="two", trafficCapGB=1)
    post(api, f"/reseller/pool-keys/{one['id']}/topup", "shared_key_01", addTrafficGB=1)
    post(api, f"/reseller/pool-keys/{two['id']}/topup", "shared_key_01", addTrafficGB=1)
    assert set(SandboxKey.objects.values_list("traffic_cap_gb", flat=True)) == {2}


def test_the_replay_expires_after_24_hours(api, clock):
    post(api, "/reseller/pool-keys", "order_9999", label="customer:bob")
    clock.advance(hours=23, minutes=59)
    assert post(api, "/reseller/pool-keys", "order_9999", label="customer:bob").headers.get("Idempotent-Replayed")
    assert SandboxKey.objects.count() == 1

    clock.advance(minutes=2)
    fresh = post(api, "/reseller/pool-keys", "order_9999", label="customer:bob")

    assert fresh.status_code == 201
    assert "Idempotent-Replayed" not in fresh.headers
    assert SandboxKey.objects.count() == 2


def test_errors_are_not_cached_so_a_corrected_retry_succeeds(api):
    bad = post(api, "/reseller/pool-keys", "order_fix_01", label="")
    good = post(api, "/reseller/pool-keys", "order_fix_01", label="fixed")
    assert (bad.status_code, good.status_code) == (400, 201)
    assert SandboxKey.objects.get().label == "fixed"


BAD_KEYS = ["short", "x" * 129, "has space12", "semi;colon12", "percent%key12", "dot.key.12345"]


@pytest.mark.parametrize("bad_key", BAD_KEYS)
def test_a_malformed_idempotency_key_is_rejected_before_any_effect(api, bad_key):
    response = api.post("/reseller/pool-keys", json={"label": "a"}, headers={"Idempotency-Key": bad_key})
    assert response.status_code == 400
    assert error_code(response) == "invalid_idempotency_key"
    assert not SandboxKey.objects.exists()


def test_calls_without_a_key_are_not_idempotent(api):
    api.post("/reseller/pool-keys", json={"label": "a"})
    api.post("/reseller/pool-keys", json={"label": "a"})
    assert SandboxKey.objects.count() == 2
    assert not SandboxIdempotencyRecord.objects.exists()


def test_a_concurrent_twin_replays_the_winners_reply(api, clock, monkeypatch):
    """Two requests with one key race: the twin stored its reply after this request looked for one.
    The unique constraint makes this request roll its own effect back and replay the twin's reply."""
    body = b'{"label":"customer:carol"}'
    SandboxIdempotencyRecord.objects.create(
        key="order_race_01",
        method="POST",
        path="/reseller/pool-keys",
        fingerprint=idempotency.fingerprint(body),
        status=201,
        body='{"id":"pk_twin","label":"customer:carol"}',
        created_at=clock(),
    )
    real_replay = idempotency.replay
    lookups = []

    def replay_missing_the_twin_once(**kwargs):
        lookups.append(1)
        return None if len(lookups) == 1 else real_replay(**kwargs)

    monkeypatch.setattr(idempotency, "replay", replay_missing_the_twin_once)

    response = api.post("/reseller/pool-keys", content=body, headers={"Idempotency-Key": "order_race_01"})

    assert response.status_code == 201
    assert response.json()["id"] == "pk_twin"
    assert response.headers["Idempotent-Replayed"] == "true"
    assert not SandboxKey.objects.exists()  # this request's own mint was rolled back
    assert not SandboxAuditEvent.objects.exists()
