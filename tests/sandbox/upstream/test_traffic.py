"""Simulated traffic: usage grows on active keys only, through sessions with the shop's sids."""

import random
from datetime import timedelta
from decimal import Decimal

from django.core.management import call_command
from django.test import override_settings

from apps.sandbox.tasks import sandbox_traffic_tick
from apps.sandbox.upstream.models import SandboxAuditEvent, SandboxKey, SandboxSession
from apps.sandbox.upstream.traffic import sandbox_simulate_traffic

from .support import START, iso


def used(key: dict) -> Decimal:
    return SandboxKey.objects.get(public_id=key["id"]).traffic_used_mb


def test_traffic_grows_usage_and_last_used_on_active_keys(api, mint, clock):
    key = mint(trafficCapGB=50)

    tick = sandbox_simulate_traffic(now=clock(), rng=random.Random(1), mb=100)

    assert tick.keys_used == 1
    assert Decimal(50) <= used(key) <= Decimal(150)
    assert used(key) == tick.mb_added
    record = api.get(f"/reseller/pool-keys/{key['id']}").json()
    assert record["lastUsedAt"] == iso(START)
    assert record["trafficUsedMB"] > 0


def test_usage_keeps_growing_tick_after_tick(mint, clock):
    key = mint()
    rng = random.Random(2)
    readings = []
    for _ in range(3):
        clock.advance(minutes=1)
        sandbox_simulate_traffic(now=clock(), rng=rng)
        readings.append(used(key))
    assert readings == sorted(readings) and readings[0] < readings[-1]


def test_disabled_expired_and_deleted_keys_get_no_traffic(api, mint, clock):
    disabled = mint(label="disabled")
    api.patch(f"/reseller/pool-keys/{disabled['id']}", json={"enabled": False})
    expired = mint(label="expired", expiresAt=iso(START + timedelta(minutes=1)))
    clock.advance(minutes=2)

    tick = sandbox_simulate_traffic(now=clock(), rng=random.Random(3))

    assert tick.keys_used == 0
    assert used(disabled) == used(expired) == 0
    assert tick.suspended_expired == [expired["id"]]
    assert SandboxAuditEvent.objects.filter(pak_id=expired["id"], action="auto_suspended_expired").exists()
    assert not SandboxSession.objects.exists()


def test_traffic_opens_sessions_with_the_shops_sid_prefix(mint, clock, monkeypatch):
    key = mint()
    from apps.sandbox.upstream import traffic

    monkeypatch.setattr(traffic, "_session_tags", lambda ids: {key["id"]: "c7x2"})

    sandbox_simulate_traffic(now=clock(), rng=random.Random(4))

    sticky = SandboxSession.objects.filter(pak_id=key["id"], is_synthesized=False)
    assert sticky.exists()
    assert all(s.session_id.startswith("c7x2_") for s in sticky)


def test_traffic_without_the_shops_tags_uses_a_tag_of_its_own(mint, clock):
    key = mint()
    sandbox_simulate_traffic(now=clock(), rng=random.Random(5))
    sticky = SandboxSession.objects.filter(pak_id=key["id"], is_synthesized=False)
    assert all(s.session_id.startswith(f"k{key['id'][-6:]}_") for s in sticky)


def test_traffic_also_synthesizes_auto_sessions(mint, clock):
    for n in range(3):
        mint(label=f"k{n}")
    rng = random.Random(6)
    for _ in range(5):
        sandbox_simulate_traffic(now=clock(), rng=rng)
    assert SandboxSession.objects.filter(is_synthesized=True, session_id__startswith="auto_").exists()


def test_sessions_accumulate_bytes_and_requests(mint, clock):
    mint()
    rng = random.Random(7)
    sandbox_simulate_traffic(now=clock(), rng=rng)
    before = {s.session_key: (s.bytes_in, s.request_count) for s in SandboxSession.objects.all()}
    for _ in range(5):
        clock.advance(seconds=30)
        sandbox_simulate_traffic(now=clock(), rng=rng)
    after = {s.session_key: s.bytes_in for s in SandboxSession.objects.all()}
    grown = [k for k in before if k in after and after[k] > before[k][0]]
    assert grown


def test_the_traffic_command_runs_ticks(mint, clock, capsys):
    key = mint()
    call_command("sandbox_traffic", "--ticks", "3", "--mb", "10", "--seed", "1")
    out = capsys.readouterr().out
    assert out.count("tick ") == 3
    assert used(key) > 0


@override_settings(PROXIES_SX_SANDBOX=True)
def test_the_beat_task_ticks_in_sandbox_mode(mint, clock):
    key = mint()
    result = sandbox_traffic_tick.apply().get()
    assert result["keys_used"] == 1
    assert used(key) > 0


@override_settings(PROXIES_SX_SANDBOX=False)
def test_the_beat_task_does_nothing_against_a_real_upstream(mint, clock):
    key = mint()
    assert sandbox_traffic_tick.apply().get() == {"skipped": "not in sandbox mode"}
    assert used(key) == 0
