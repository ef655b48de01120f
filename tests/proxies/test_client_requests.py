"""Every client call: the request it sends (method, path, headers, body) and the record it
returns. The upstream is an httpx.MockTransport scripted with contract-shaped replies."""

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from apps.proxies.upstream.records import PoolKeyRecord
from tests.proxies.test_client_support import (
    API_KEY,
    IDEM,
    PAK,
    ScriptedUpstream,
    audit_payload,
    key_payload,
    make_client,
    reply,
    session_payload,
)


def assert_common_headers(request, *, write: bool, idempotency_key: str | None = IDEM):
    assert request.headers["X-API-Key"] == API_KEY
    assert request.headers["Accept"] == "application/json"
    if write:
        assert request.headers["Idempotency-Key"] == (idempotency_key or request.headers["Idempotency-Key"])
    else:
        assert "Idempotency-Key" not in request.headers


def test_create_key_posts_label_cap_and_expiry_with_idempotency_key():
    upstream = ScriptedUpstream(reply(201, key_payload()))
    client = make_client(upstream)

    record = client.create_key(
        label="sf-u1-order42",
        traffic_cap_gb=Decimal("10.5"),
        expires_at=datetime(2026, 3, 1, 1, 30, tzinfo=UTC),
        idempotency_key=IDEM,
    )

    request = upstream.last
    assert request.method == "POST"
    assert request.url.path == "/v1/reseller/pool-keys"
    assert request.headers["Content-Type"] == "application/json"
    assert_common_headers(request, write=True)
    assert upstream.body() == {"label": "sf-u1-order42", "trafficCapGB": 10.5, "expiresAt": "2026-03-01T01:30:00.000Z"}
    assert record == PoolKeyRecord(
        id="pk_1",
        label="sf-u1-order42",
        enabled=True,
        traffic_cap_gb=Decimal("10"),
        traffic_used_mb=Decimal("512.5"),
        expires_at=datetime(2026, 3, 1, tzinfo=UTC),
        last_used_at=None,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        updated_at=datetime(2026, 1, 1, tzinfo=UTC),
        is_expired=False,
        secret=PAK,
    )


def test_create_key_without_cap_or_expiry_sends_only_the_label():
    upstream = ScriptedUpstream(reply(201, key_payload(trafficCapGB=None, expiresAt=None)))

    record = make_client(upstream).create_key(label="x", traffic_cap_gb=None, expires_at=None, idempotency_key=IDEM)

    assert upstream.body() == {"label": "x"}
    assert record.traffic_cap_gb is None and record.expires_at is None


def test_create_key_converts_expiry_to_utc():
    upstream = ScriptedUpstream(reply(201, key_payload()))
    berlin = datetime(2026, 3, 1, 3, 0, tzinfo=ZoneInfo("Europe/Berlin"))

    make_client(upstream).create_key(label="x", traffic_cap_gb=1, expires_at=berlin, idempotency_key=IDEM)

    assert upstream.body()["expiresAt"] == "2026-03-01T02:00:00.000Z"
    assert upstream.body()["trafficCapGB"] == 1


def test_create_key_accepts_the_secret_under_secret():
    payload = key_payload()
    payload["secret"] = payload.pop("key")
    upstream = ScriptedUpstream(reply(201, payload))

    record = make_client(upstream).create_key(label="x", traffic_cap_gb=None, expires_at=None, idempotency_key=IDEM)

    assert record.secret == PAK


def test_list_keys_gets_all_keys_and_treats_masked_secrets_as_absent():
    upstream = ScriptedUpstream(
        reply(200, [key_payload(), key_payload(id="pk_2", key="pak_****4567", trafficCapGB=None, enabled=False)])
    )

    records = make_client(upstream).list_keys()

    assert upstream.last.method == "GET"
    assert upstream.last.url.path == "/v1/reseller/pool-keys"
    assert upstream.last.content == b""
    assert_common_headers(upstream.last, write=False)
    assert [r.id for r in records] == ["pk_1", "pk_2"]
    assert records[0].secret == PAK
    assert records[1].secret is None
    assert records[1].traffic_cap_gb is None and records[1].enabled is False


def test_get_key_reads_one_key_and_escapes_the_id_into_one_path_segment():
    upstream = ScriptedUpstream(reply(200, key_payload(id="a/../b")))

    record = make_client(upstream).get_key("a/../b")

    assert upstream.last.method == "GET"
    assert upstream.last.url.raw_path == b"/v1/reseller/pool-keys/a%2F..%2Fb"
    assert record.id == "a/../b"


def test_update_key_patches_only_the_given_fields():
    upstream = ScriptedUpstream(reply(200, key_payload(enabled=False)))

    record = make_client(upstream).update_key("pk_1", enabled=False, idempotency_key=IDEM)

    assert upstream.last.method == "PATCH"
    assert upstream.last.url.path == "/v1/reseller/pool-keys/pk_1"
    assert_common_headers(upstream.last, write=True)
    assert upstream.body() == {"enabled": False}
    assert record.enabled is False


def test_update_key_sends_null_to_remove_cap_and_expiry():
    upstream = ScriptedUpstream(reply(200, key_payload(trafficCapGB=None, expiresAt=None)))

    make_client(upstream).update_key(
        "pk_1", label="renamed", traffic_cap_gb=None, expires_at=None, idempotency_key=IDEM
    )

    assert upstream.body() == {"label": "renamed", "trafficCapGB": None, "expiresAt": None}


def test_update_key_with_no_fields_sends_an_empty_object():
    upstream = ScriptedUpstream(reply(200, key_payload()))

    make_client(upstream).update_key("pk_1", idempotency_key=IDEM)

    assert upstream.body() == {}


def test_top_up_key_posts_gb_and_days():
    upstream = ScriptedUpstream(reply(200, key_payload(trafficCapGB=15)))

    record = make_client(upstream).top_up_key(
        "pk_1", add_traffic_gb=Decimal("5"), extend_days=30, idempotency_key="topup_in_123"
    )

    assert upstream.last.method == "POST"
    assert upstream.last.url.path == "/v1/reseller/pool-keys/pk_1/topup"
    assert_common_headers(upstream.last, write=True, idempotency_key="topup_in_123")
    assert upstream.body() == {"addTrafficGB": 5, "extendDays": 30}
    assert record.traffic_cap_gb == Decimal("15")


def test_top_up_key_with_only_days():
    upstream = ScriptedUpstream(reply(200, key_payload()))

    make_client(upstream).top_up_key("pk_1", extend_days=7, idempotency_key=IDEM)

    assert upstream.body() == {"extendDays": 7}


def test_regenerate_key_posts_without_body_and_returns_the_new_secret():
    new_secret = "pak_fedcba9876543210fedcba98"
    upstream = ScriptedUpstream(reply(200, key_payload(key=new_secret)))

    record = make_client(upstream).regenerate_key("pk_1", idempotency_key=IDEM)

    assert upstream.last.method == "POST"
    assert upstream.last.url.path == "/v1/reseller/pool-keys/pk_1/regenerate"
    assert upstream.last.content == b""
    assert_common_headers(upstream.last, write=True)
    assert record.secret == new_secret


def test_reveal_key_posts_with_a_generated_idempotency_key():
    upstream = ScriptedUpstream(reply(200, key_payload()))

    record = make_client(upstream).reveal_key("pk_1")

    assert upstream.last.method == "POST"
    assert upstream.last.url.path == "/v1/reseller/pool-keys/pk_1/reveal"
    assert 8 <= len(upstream.last.headers["Idempotency-Key"]) <= 128
    assert record.secret == PAK


def test_delete_key_sends_delete_and_returns_none():
    upstream = ScriptedUpstream(reply(204))

    result = make_client(upstream).delete_key("pk_1", idempotency_key=IDEM)

    assert upstream.last.method == "DELETE"
    assert upstream.last.url.path == "/v1/reseller/pool-keys/pk_1"
    assert_common_headers(upstream.last, write=True)
    assert result is None


def test_audit_queries_all_keys_with_filters():
    upstream = ScriptedUpstream(reply(200, [audit_payload(), audit_payload(id="ev_2", pakId=None, metadata=None)]))

    events = make_client(upstream).audit(
        action="auto_suspended_cap_exceeded", before=datetime(2026, 1, 1, tzinfo=UTC), limit=500
    )

    assert upstream.last.method == "GET"
    assert upstream.last.url.path == "/v1/reseller/pool-keys/audit"
    assert dict(upstream.last.url.params) == {
        "action": "auto_suspended_cap_exceeded",
        "before": "2026-01-01T00:00:00.000Z",
        "limit": "500",
    }
    assert events[0].action == "topup"
    assert events[0].metadata == {"addTrafficGB": 5}
    assert events[0].created_at == datetime(2026, 1, 1, 10, tzinfo=UTC)
    assert events[1].pak_id is None and events[1].metadata == {}


def test_audit_without_filters_sends_no_query():
    upstream = ScriptedUpstream(reply(200, []))

    assert make_client(upstream).audit() == []
    assert upstream.last.url.query == b""


def test_key_audit_queries_one_key():
    upstream = ScriptedUpstream(reply(200, [audit_payload(action="reveal")]))

    events = make_client(upstream).key_audit("pk_1", before="ev_9", limit=50)

    assert upstream.last.url.path == "/v1/reseller/pool-keys/pk_1/audit"
    assert dict(upstream.last.url.params) == {"before": "ev_9", "limit": "50"}
    assert events[0].action == "reveal"


def test_stock_reads_pools_and_totals():
    payload = {
        "pools": {"mbl": {"us": 120, "DE": 30}, "peer": {"us": 800}},
        "totals": {"mbl": 150, "peer": 800, "all": 950},
        "generatedAt": "2026-01-01T11:59:30Z",
    }
    upstream = ScriptedUpstream(reply(200, payload))

    stock = make_client(upstream).stock()

    assert upstream.last.method == "GET"
    assert upstream.last.url.path == "/v1/gateway/pool/stock"
    assert stock.pools == {"mbl": {"us": 120, "de": 30}, "peer": {"us": 800}}
    assert stock.totals == {"mbl": 150, "peer": 800, "all": 950}
    assert stock.generated_at == datetime(2026, 1, 1, 11, 59, 30, tzinfo=UTC)


def test_incidents_reads_the_incident_list():
    payload = [
        {
            "id": "inc_1",
            "severity": "major",
            "title": "DE mobile degraded",
            "startedAt": "2026-01-01T08:00:00Z",
            "affects": ["mbl", "de"],
        },
        {
            "id": "inc_0",
            "severity": "minor",
            "title": "Resolved one",
            "description": "done",
            "startedAt": 1767168000000,
            "resolvedAt": 1767171600000,
            "affects": [],
        },
    ]
    upstream = ScriptedUpstream(reply(200, payload))

    incidents = make_client(upstream).incidents()

    assert upstream.last.url.path == "/v1/gateway/incidents"
    assert incidents[0].active and incidents[0].affects == ("mbl", "de") and incidents[0].description == ""
    assert not incidents[1].active and incidents[1].description == "done"


def test_sessions_reads_the_live_sessions():
    synthesized = session_payload(sessionKey="gw:session:psx_abc:auto_1", sessionId="auto_1")
    del synthesized["isSynthesizedSid"]
    upstream = ScriptedUpstream(reply(200, {"sessions": [session_payload(), synthesized], "count": 2}))

    sessions = make_client(upstream).sessions()

    assert upstream.last.method == "GET"
    assert upstream.last.url.path == "/v1/gateway/pool/my-sessions"
    first = sessions[0]
    assert first.session_key == "gw:session:psx_abc:k7f3_bot07"
    assert first.session_id == "k7f3_bot07"
    assert (first.request_count, first.bytes_in, first.bytes_out, first.ttl) == (42, 1024, 2048, 3300)
    assert first.expires_at == datetime(2026, 1, 1, 13, tzinfo=UTC)
    assert first.proxy_url.endswith(":<PASSWORD>@gw.proxies.sx:7000")
    assert not first.is_synthesized_sid
    assert sessions[1].is_synthesized_sid  # derived from the auto_ id when the flag is absent


def test_close_session_deletes_one_session_by_key():
    upstream = ScriptedUpstream(reply(200, {"success": True, "message": "closed"}))

    result = make_client(upstream).close_session("gw:session:psx_abc:k7f3_bot07", idempotency_key=IDEM)

    assert upstream.last.method == "DELETE"
    assert upstream.last.url.raw_path == b"/v1/gateway/pool/my-sessions/gw:session:psx_abc:k7f3_bot07"
    assert_common_headers(upstream.last, write=True)
    assert result.success and result.message == "closed" and result.count is None


def test_close_all_sessions_deletes_every_session():
    upstream = ScriptedUpstream(reply(200, {"success": True, "message": "closed 3", "count": 3}))

    result = make_client(upstream).close_all_sessions()

    assert upstream.last.method == "DELETE"
    assert upstream.last.url.path == "/v1/gateway/pool/my-sessions"
    assert "Idempotency-Key" in upstream.last.headers
    assert result.count == 3


def test_pricing_reads_the_shared_per_gb_price_exactly():
    payload = {
        "shared": {"perGB": 4.1, "perHour": 0.10},
        "private": {"perGB": 8},
        "networks": ["base"],
        "currency": "USDC",
    }
    upstream = ScriptedUpstream(reply(200, payload))

    pricing = make_client(upstream).pricing()

    assert upstream.last.url.path == "/v1/x402/pricing"
    assert pricing.currency == "USDC"
    assert pricing.shared_per_gb == Decimal("4.1")
    assert pricing.raw["networks"] == ["base"]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.create_key(label="", traffic_cap_gb=None, expires_at=None, idempotency_key=IDEM), "label"),
        (
            lambda c: c.create_key(label="x", traffic_cap_gb=Decimal(-1), expires_at=None, idempotency_key=IDEM),
            "traffic_cap_gb",
        ),
        (
            lambda c: c.create_key(
                label="x", traffic_cap_gb=None, expires_at=datetime(2026, 1, 1), idempotency_key=IDEM
            ),
            "timezone-aware",
        ),
        (lambda c: c.top_up_key("pk_1", idempotency_key=IDEM), "needs add_traffic_gb"),
        (lambda c: c.top_up_key("pk_1", add_traffic_gb=Decimal(0), idempotency_key=IDEM), "> 0"),
        (lambda c: c.top_up_key("pk_1", extend_days=0, idempotency_key=IDEM), "extend_days"),
        (lambda c: c.update_key("pk_1", enabled="yes", idempotency_key=IDEM), "enabled"),
        (lambda c: c.update_key("pk_1", label=None, idempotency_key=IDEM), "label"),
        (lambda c: c.get_key(""), "key_id"),
        (lambda c: c.audit(limit=501), "1 to 500"),
        (lambda c: c.key_audit("pk_1", limit=201), "1 to 200"),
        (lambda c: c.close_session(" "), "session_key"),
    ],
)
def test_bad_arguments_raise_value_error_before_any_request(call, message):
    upstream = ScriptedUpstream(reply(200, {}))

    with pytest.raises(ValueError, match=message):
        call(make_client(upstream))

    assert upstream.requests == []
