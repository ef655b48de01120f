"""Fault injection: forced statuses with Retry-After, latency (injected sleep, never real), random
errors (repeatable with a seed), and dropped connections."""

import httpx
import pytest
from django.conf import settings
from django.core.management import call_command

from apps.sandbox.upstream import faults
from apps.sandbox.upstream.models import SandboxFaultRule, SandboxKey
from apps.sandbox.upstream.transport import SandboxTransport

from .support import BASE_URL, error_code

CONTROL = "https://api.proxies.sx/_sandbox/faults"


def test_a_forced_429_carries_retry_after_for_the_next_call_only(api):
    with faults.inject(status=429, retry_after=2, times=1):
        limited = api.get("/reseller/pool-keys")
        after = api.get("/reseller/pool-keys")

    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "2"
    assert limited.headers["X-Request-ID"]
    assert limited.json()["error"]["type"] == "rate_limited"
    assert after.status_code == 200


def test_a_forced_status_can_last_n_calls_and_accepts_an_http_date(api):
    with faults.inject(status=503, retry_after="Wed, 21 Oct 2026 07:28:00 GMT", times=3):
        statuses = [api.get("/x402/pricing").status_code for _ in range(4)]
        last = api.get("/x402/pricing")
    assert statuses == [503, 503, 503, 200]
    assert "Retry-After" not in last.headers


def test_a_forced_status_before_the_call_has_no_effect(api):
    with faults.inject(status=500, times=1):
        response = api.post("/reseller/pool-keys", json={"label": "x"})
    assert response.status_code == 500
    assert not SandboxKey.objects.exists()


def test_a_forced_status_only_hits_matching_paths_and_methods(api, mint):
    key = mint()
    with faults.inject(status=502, path="/reseller/pool-keys/*/topup", method="POST"):
        assert api.get(f"/reseller/pool-keys/{key['id']}").status_code == 200
        assert api.post(f"/reseller/pool-keys/{key['id']}/reveal").status_code == 200
        assert api.post(f"/reseller/pool-keys/{key['id']}/topup", json={"addTrafficGB": 1}).status_code == 502
        assert api.post(f"/reseller/pool-keys/{key['id']}/topup", json={"addTrafficGB": 1}).status_code == 502
    assert not SandboxFaultRule.objects.exists()  # the block's rule is gone


def test_a_status_after_the_call_keeps_the_effect(api):
    """A 504 from a gateway after the upstream did the work: an idempotent retry must not mint twice."""
    with faults.inject(status=504, times=1, phase="after"):
        lost = api.post("/reseller/pool-keys", json={"label": "x"}, headers={"Idempotency-Key": "order_504_1"})
    retry = api.post("/reseller/pool-keys", json={"label": "x"}, headers={"Idempotency-Key": "order_504_1"})

    assert lost.status_code == 504
    assert retry.status_code == 201
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert SandboxKey.objects.count() == 1


def test_latency_is_recorded_through_the_injected_sleep(api, sleeps, transport):
    with faults.inject(latency_ms=150):
        response = api.get("/reseller/pool-keys")
    api.get("/reseller/pool-keys")

    assert sleeps == [0.15]
    assert response.headers["X-Sandbox-Latency-Ms"] == "150"
    assert transport.latencies == [0.15, 0.0]


def test_jitter_is_repeatable_with_a_seed(api, sleeps):
    with faults.inject(latency_ms=100, jitter_ms=50, seed=42):
        for _ in range(3):
            api.get("/x402/pricing")
    first = list(sleeps)
    sleeps.clear()
    with faults.inject(latency_ms=100, jitter_ms=50, seed=42):
        for _ in range(3):
            api.get("/x402/pricing")
    assert sleeps == first
    assert all(0.1 <= s <= 0.15 for s in first) and len(set(first)) == 3


def test_latency_past_the_read_timeout_is_a_timeout_but_the_call_still_happens(db, clock, sleeps):
    headers = {"X-API-Key": settings.PROXIES_SX_SANDBOX_API_KEY}
    transport = SandboxTransport(sleep=sleeps.append)
    with (
        httpx.Client(transport=transport, base_url=BASE_URL, headers=headers, timeout=2.0) as client,
        faults.inject(latency_ms=5000),
        pytest.raises(httpx.ReadTimeout),
    ):
        client.post("/reseller/pool-keys", json={"label": "slow"})
    assert sleeps == [2.0]  # waited as long as the client would, not the full 5 s
    assert SandboxKey.objects.filter(label="slow").exists()


def test_a_dropped_connection_raises_remote_protocol_error_and_does_nothing(api):
    with faults.inject(drop="reset", times=1), pytest.raises(httpx.RemoteProtocolError):
        api.post("/reseller/pool-keys", json={"label": "x"})
    assert not SandboxKey.objects.exists()
    assert api.get("/reseller/pool-keys").status_code == 200


def test_a_connection_dropped_after_the_call_keeps_the_effect(api):
    with faults.inject(drop="reset", times=1, phase="after"), pytest.raises(httpx.RemoteProtocolError):
        api.post("/reseller/pool-keys", json={"label": "x"})
    assert SandboxKey.objects.count() == 1


def test_a_timeout_drop_raises_read_timeout(api):
    with faults.inject(drop="timeout", times=1), pytest.raises(httpx.ReadTimeout):
        api.get("/reseller/pool-keys")


def test_a_refused_connection_raises_connect_error(api):
    with faults.inject(drop="refused", times=1), pytest.raises(httpx.ConnectError):
        api.get("/reseller/pool-keys")


def test_the_error_rate_is_repeatable_with_a_seed(api):
    def run() -> list[int]:
        with faults.inject(error_rate=0.5, error_statuses=[500, 503], seed=7):
            return [api.get("/x402/pricing").status_code for _ in range(20)]

    first, second = run(), run()
    assert first == second
    assert {500, 503} <= set(first) and 200 in first


def test_the_drop_rate_drops_some_calls(api):
    outcomes = []
    with faults.inject(drop_rate=0.5, seed=3):
        for _ in range(20):
            try:
                outcomes.append(api.get("/x402/pricing").status_code)
            except httpx.RemoteProtocolError:
                outcomes.append("dropped")
    assert "dropped" in outcomes and 200 in outcomes


def test_inject_restores_the_previous_settings(db):
    faults.faults_configure(latency_ms=20)
    with faults.inject(latency_ms=500, error_rate=0.2):
        assert faults.faults_state()["latencyMs"] == 500
    state = faults.faults_state()
    assert (state["latencyMs"], state["errorRate"]) == (20, 0.0)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"status": 200},
        {"status": 429, "drop": "reset"},
        {},
        {"drop": "explode"},
        {"status": 500, "times": -1},
        {"status": 500, "times": "3"},
        {"status": 500, "phase": "during"},
    ],
)
def test_a_bad_rule_is_refused(db, kwargs):
    with pytest.raises(ValueError):
        faults.faults_add_rule(**kwargs)


def test_bad_rates_are_refused(db):
    with pytest.raises(ValueError):
        faults.faults_configure(error_rate=1.5)
    with pytest.raises(ValueError):
        faults.faults_configure(error_statuses=[200])


def test_faults_of_a_running_server_can_be_changed_over_http(api, sleeps):
    body = {"latencyMs": 40, "rules": [{"status": 429, "retryAfter": 1, "times": 2, "path": "/x402/*"}]}
    put = api.put(CONTROL, json=body)  # beside /v1, not under it
    assert put.status_code == 200, put.text
    assert put.json()["rules"][0]["remaining"] == 2

    assert api.get("/x402/pricing").status_code == 429
    assert sleeps == [0.04]
    assert api.delete(CONTROL).json()["rules"] == []
    assert api.get("/x402/pricing").status_code == 200


def test_times_zero_forces_the_fault_on_every_call_as_documented(api):
    put = api.put(CONTROL, json={"rules": [{"status": 503, "times": 0, "path": "/x402/*"}]})
    assert put.status_code == 200, put.text
    assert put.json()["rules"][0]["remaining"] is None

    assert [api.get("/x402/pricing").status_code for _ in range(5)] == [503] * 5
    assert faults.faults_add_rule(drop="reset", times=0).remaining is None


def test_the_fault_control_needs_the_api_key_and_a_valid_body(api, anon):
    assert anon.get(CONTROL).status_code == 401
    bad = api.put(CONTROL, json={"latencyMs": 10, "rules": [{"status": 200}]})
    assert bad.status_code == 400
    assert error_code(bad) == "invalid_parameter"
    assert api.get(CONTROL).json()["latencyMs"] == 0  # the bad PUT changed nothing


def test_the_sandbox_faults_command_sets_shows_and_clears(db, capsys):
    call_command(
        "sandbox_faults",
        "--latency-ms",
        "250",
        "--fail-status",
        "503",
        "--retry-after",
        "3",
        "--fail-times",
        "2",
        "--fail-path",
        "/reseller/*",
    )
    out = capsys.readouterr().out
    assert "latency 250 ms" in out and "status 503 Retry-After 3, next 2 calls, /reseller/*" in out

    call_command("sandbox_faults", "--clear")
    assert faults.faults_state()["rules"] == []
    assert faults.faults_state()["latencyMs"] == 0
