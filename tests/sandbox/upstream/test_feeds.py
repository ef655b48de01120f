"""The gateway feeds: stock, incidents, sessions (list, close one, close all) and pricing."""

import random
from datetime import timedelta
from urllib.parse import quote

from apps.sandbox.upstream.models import SandboxSession
from apps.sandbox.upstream.services import sandbox_incident_open, sandbox_incident_resolve
from apps.sandbox.upstream.sessions import session_touch
from apps.sandbox.upstream.traffic import sandbox_simulate_traffic

from .support import START, error_code


def test_stock_has_both_pools_with_consistent_totals(anon, clock):
    response = anon.get("/gateway/pool/stock")  # public: no key needed

    assert response.status_code == 200
    stock = response.json()
    assert set(stock["pools"]) == {"mbl", "peer"}
    assert all(len(cc) == 2 and cc.islower() for pool in stock["pools"].values() for cc in pool)
    assert stock["totals"]["mbl"] == sum(stock["pools"]["mbl"].values())
    assert stock["totals"]["peer"] == sum(stock["pools"]["peer"].values())
    assert stock["totals"]["all"] == stock["totals"]["mbl"] + stock["totals"]["peer"]
    assert 0 in stock["pools"]["mbl"].values()  # some listed countries are out of stock
    assert stock["pools"]["mbl"]["us"] > 0
    assert stock["generatedAt"].endswith("Z")


def test_stock_is_stable_within_its_cache_window_and_drifts_after(anon, clock):
    first = anon.get("/gateway/pool/stock").json()
    clock.advance(seconds=5)
    assert anon.get("/gateway/pool/stock").json() == first
    clock.advance(minutes=10)
    assert anon.get("/gateway/pool/stock").json()["generatedAt"] != first["generatedAt"]


def test_a_major_incident_takes_its_countries_out_of_stock(anon, clock):
    sandbox_incident_open(severity="major", title="PL carrier outage", affects=["mbl:pl"])
    assert anon.get("/gateway/pool/stock").json()["pools"]["mbl"]["pl"] == 0


def test_incidents_are_plausible_with_some_resolved(anon, clock):
    incidents = anon.get("/gateway/incidents").json()

    assert len(incidents) >= 3
    assert {i["severity"] for i in incidents} <= {"info", "minor", "major", "critical"}
    assert any("resolvedAt" in i for i in incidents)
    assert any("resolvedAt" not in i for i in incidents)
    starts = [i["startedAt"] for i in incidents]
    assert starts == sorted(starts, reverse=True)
    assert all(isinstance(i["affects"], list) and i["id"] and i["title"] for i in incidents)


def test_an_opened_and_resolved_incident_shows_in_the_feed(anon, clock):
    incident = sandbox_incident_open(severity="critical", title="Gateway down", affects=["gateway"])
    assert anon.get("/gateway/incidents").json()[0]["title"] == "Gateway down"
    clock.advance(minutes=20)
    sandbox_incident_resolve(incident=incident)
    assert anon.get("/gateway/incidents").json()[0]["resolvedAt"] == "2026-06-01T12:20:00.000Z"


def test_pricing_is_public_and_has_the_wholesale_shape(anon):
    pricing = anon.get("/x402/pricing").json()
    assert pricing["currency"] == "USDC"
    assert pricing["shared"]["perGB"] > 0
    assert "private" in pricing and pricing["networks"]


def test_sessions_list_has_the_contract_fields(api, mint, clock):
    mint()
    sandbox_simulate_traffic(now=clock(), rng=random.Random(3))

    body = api.get("/gateway/pool/my-sessions").json()

    assert body["count"] == len(body["sessions"]) > 0
    session = body["sessions"][0]
    assert set(session) >= {
        "sessionKey",
        "accountId",
        "sessionId",
        "pool",
        "country",
        "carrier",
        "currentIp",
        "createdAt",
        "lastActivityAt",
        "expiresAt",
        "requestCount",
        "bytesIn",
        "bytesOut",
        "endpointId",
        "rotation",
        "ttl",
        "proxyUrl",
        "socks5Url",
        "isSynthesizedSid",
    }
    assert "pakId" not in session  # the feed never says which key a session uses
    assert session["sessionKey"] == f"gw:session:psx_sandbox:{session['sessionId']}"
    assert "<PASSWORD>" in session["proxyUrl"] and session["proxyUrl"].endswith(":7000")
    assert session["socks5Url"].startswith("socks5://") and session["socks5Url"].endswith(":7001")
    assert session["expiresAt"] > session["lastActivityAt"]
    assert 0 < session["ttl"] <= 1800


def test_a_session_without_sid_is_synthesized_and_lives_five_minutes(api, mint, clock):
    key = mint()
    session_touch(pak_id=key["id"], session_id=None, now=clock(), rng=random.Random(4), bytes_total=1000)

    [session] = api.get("/gateway/pool/my-sessions").json()["sessions"]

    assert session["isSynthesizedSid"] is True
    assert session["sessionId"].startswith("auto_")
    assert session["ttl"] == 300
    assert "-sid-" not in session["proxyUrl"]
    clock.advance(minutes=5)
    assert api.get("/gateway/pool/my-sessions").json() == {"sessions": [], "count": 0}


def test_a_sticky_session_url_carries_its_sid(api, mint, clock):
    key = mint()
    session_touch(pak_id=key["id"], session_id="t4g-bot01", now=clock(), rng=random.Random(5), bytes_total=10)
    [session] = api.get("/gateway/pool/my-sessions").json()["sessions"]
    assert "-sid-t4g-bot01" in session["proxyUrl"]
    assert session["isSynthesizedSid"] is False


def test_close_one_session_is_idempotent(api, mint, clock):
    key = mint()
    session = session_touch(pak_id=key["id"], session_id="t4g-main", now=clock(), rng=random.Random(6), bytes_total=10)
    path = f"/gateway/pool/my-sessions/{quote(session.session_key, safe='')}"

    first = api.delete(path)
    second = api.delete(path)

    assert first.json() == {"success": True, "message": "Session closed"}
    assert second.status_code == 200 and second.json()["success"] is True
    assert not SandboxSession.objects.exists()


def test_closing_another_accounts_session_is_404_and_closes_nothing(api, mint, clock):
    key = mint()
    session_touch(pak_id=key["id"], session_id="t4g-main", now=clock(), rng=random.Random(7), bytes_total=10)

    response = api.delete(f"/gateway/pool/my-sessions/{quote('gw:session:psx_other:t4g-main', safe='')}")

    assert response.status_code == 404
    assert error_code(response) == "session_not_found"
    assert SandboxSession.objects.count() == 1


def test_close_all_sessions_reports_the_count(api, mint, clock):
    key = mint()
    for sid in ("t4g-a", "t4g-b", "t4g-c"):
        session_touch(pak_id=key["id"], session_id=sid, now=clock(), rng=random.Random(8), bytes_total=10)

    body = api.delete("/gateway/pool/my-sessions").json()

    assert body["success"] is True
    assert body["count"] == 3
    assert api.get("/gateway/pool/my-sessions").json()["count"] == 0


def test_an_account_holds_at_most_50_live_sessions(api, mint, clock):
    key = mint()
    rng = random.Random(9)
    for n in range(55):
        session_touch(
            pak_id=key["id"], session_id=f"t4g-s{n}", now=START + timedelta(seconds=n), rng=rng, bytes_total=10
        )
    sessions = api.get("/gateway/pool/my-sessions").json()["sessions"]
    assert len(sessions) == 50
    assert "t4g-s0" not in {s["sessionId"] for s in sessions}  # the least recently active went first


def test_sessions_need_the_api_key(anon):
    assert anon.get("/gateway/pool/my-sessions").status_code == 401
    assert anon.delete("/gateway/pool/my-sessions").status_code == 401
