"""Error classes, retry policy, Retry-After, the attempt bound and idempotency keys.
No real waiting: sleep, now and random are injected."""

import httpx
import pytest

from apps.proxies.upstream import errors
from apps.proxies.upstream.health import upstream_health_get
from tests.proxies.test_client_support import (
    IDEM,
    Clock,
    ScriptedUpstream,
    key_payload,
    make_client,
    reply,
)


def create(client, idempotency_key=IDEM):
    return client.create_key(label="x", traffic_cap_gb=None, expires_at=None, idempotency_key=idempotency_key)


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, errors.UpstreamValidationError),
        (422, errors.UpstreamValidationError),
        (401, errors.UpstreamAuthError),
        (403, errors.UpstreamAuthError),
        (404, errors.UpstreamNotFound),
        (409, errors.UpstreamConflict),
        (405, errors.TerminalUpstreamError),
    ],
)
def test_terminal_statuses_raise_their_class_once_without_retry(status, error_class):
    upstream = ScriptedUpstream(
        reply(
            status,
            {"statusCode": status, "message": ["label must not be empty"], "error": "Bad"},
            request_id="req_term",
        )
    )
    clock = Clock()

    with pytest.raises(error_class) as caught:
        create(make_client(upstream, clock))

    error = caught.value
    assert isinstance(error, errors.TerminalUpstreamError) and not error.retryable
    assert error.status == status
    assert error.request_id == "req_term"
    assert "label must not be empty" in str(error)
    assert "req_term" in str(error)
    assert error.attempts == 1
    assert len(upstream.requests) == 1
    assert clock.sleeps == []


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (500, errors.UpstreamUnavailable),
        (502, errors.UpstreamUnavailable),
        (503, errors.UpstreamUnavailable),
        (429, errors.UpstreamRateLimited),
    ],
)
def test_retryable_statuses_are_retried_up_to_the_attempt_bound(status, error_class):
    upstream = ScriptedUpstream(reply(status, {"error": {"code": "x", "message": "busy"}}, request_id="req_busy"))
    clock = Clock()

    with pytest.raises(error_class) as caught:
        create(make_client(upstream, clock))

    assert caught.value.retryable
    assert caught.value.status == status
    assert caught.value.request_id == "req_busy"
    assert caught.value.code == "x"
    assert caught.value.attempts == 3
    assert len(upstream.requests) == 3
    # Full jitter with random() = 0.5: 0.5 * min(4, 0.25 * 2**n)
    assert clock.sleeps == [0.125, 0.25]


def test_a_retry_that_succeeds_returns_the_record():
    upstream = ScriptedUpstream(reply(503), reply(502), reply(201, key_payload()))
    clock = Clock()

    record = create(make_client(upstream, clock))

    assert record.id == "pk_1"
    assert len(upstream.requests) == 3
    assert clock.sleeps == [0.125, 0.25]


def test_every_retry_of_one_call_reuses_the_same_idempotency_key():
    upstream = ScriptedUpstream(reply(500), httpx.ReadTimeout, reply(201, key_payload()))

    create(make_client(upstream), idempotency_key="stripe_cs_test_abc123")

    assert [r.headers["Idempotency-Key"] for r in upstream.requests] == ["stripe_cs_test_abc123"] * 3
    assert len({r.content for r in upstream.requests}) == 1


def test_generated_idempotency_key_is_also_reused_across_retries():
    upstream = ScriptedUpstream(reply(503), reply(200, {"success": True, "message": "ok", "count": 0}))

    make_client(upstream).close_all_sessions()

    keys = [r.headers["Idempotency-Key"] for r in upstream.requests]
    assert len(keys) == 2 and keys[0] == keys[1]


def test_backoff_grows_exponentially_and_is_capped_at_four_seconds():
    upstream = ScriptedUpstream(reply(500))
    clock = Clock()

    with pytest.raises(errors.UpstreamUnavailable):
        make_client(upstream, clock, max_attempts=8, random_value=1.0).list_keys()

    assert clock.sleeps == [0.25, 0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


def test_backoff_is_full_jitter():
    upstream = ScriptedUpstream(reply(500))
    clock = Clock()

    with pytest.raises(errors.UpstreamUnavailable):
        make_client(upstream, clock, random_value=0.0).list_keys()

    assert clock.sleeps == [0.0, 0.0]


def test_max_attempts_one_means_no_retry():
    upstream = ScriptedUpstream(reply(503))
    clock = Clock()

    with pytest.raises(errors.UpstreamUnavailable):
        make_client(upstream, clock, max_attempts=1).list_keys()

    assert len(upstream.requests) == 1 and clock.sleeps == []


def test_retry_after_seconds_is_honoured():
    upstream = ScriptedUpstream(reply(429, headers={"Retry-After": "2"}), reply(200, []))
    clock = Clock()

    make_client(upstream, clock).list_keys()

    assert clock.sleeps == [2.0]


def test_retry_after_is_capped_at_the_max_delay():
    upstream = ScriptedUpstream(reply(429, headers={"Retry-After": "120"}))
    clock = Clock()

    with pytest.raises(errors.UpstreamRateLimited) as caught:
        make_client(upstream, clock).list_keys()

    assert caught.value.retry_after == 120.0
    assert clock.sleeps == [4.0, 4.0]


def test_retry_after_http_date_is_honoured():
    # Clock.now() is 2026-01-01 12:00:00 UTC
    upstream = ScriptedUpstream(reply(429, headers={"Retry-After": "Thu, 01 Jan 2026 12:00:03 GMT"}), reply(200, []))
    clock = Clock()

    make_client(upstream, clock).list_keys()

    assert clock.sleeps == [3.0]


def test_retry_after_http_date_in_the_past_means_retry_now():
    upstream = ScriptedUpstream(reply(503, headers={"Retry-After": "Wed, 31 Dec 2025 00:00:00 GMT"}), reply(200, []))
    clock = Clock()

    make_client(upstream, clock).list_keys()

    assert clock.sleeps == [0.0]


def test_unreadable_retry_after_falls_back_to_backoff():
    upstream = ScriptedUpstream(reply(429, headers={"Retry-After": "soon"}), reply(200, []))
    clock = Clock()

    make_client(upstream, clock).list_keys()

    assert clock.sleeps == [0.125]


def test_timeouts_are_retried_then_raise_upstream_timeout():
    upstream = ScriptedUpstream(httpx.ReadTimeout)
    clock = Clock()

    with pytest.raises(errors.UpstreamTimeout) as caught:
        make_client(upstream, clock).get_key("pk_1")

    assert caught.value.retryable and caught.value.status is None
    assert caught.value.attempts == 3
    assert "ReadTimeout" in str(caught.value)
    assert len(clock.sleeps) == 2


def test_connect_timeout_is_a_timeout_too():
    upstream = ScriptedUpstream(httpx.ConnectTimeout, reply(200, key_payload()))

    assert make_client(upstream).get_key("pk_1").id == "pk_1"


@pytest.mark.parametrize("failure", [httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError])
def test_network_errors_are_retried_then_raise_upstream_network_error(failure):
    upstream = ScriptedUpstream(failure)

    with pytest.raises(errors.UpstreamNetworkError) as caught:
        make_client(upstream).get_key("pk_1")

    assert caught.value.retryable
    assert len(upstream.requests) == 3


def test_a_reply_that_is_not_json_is_a_terminal_bad_response():
    upstream = ScriptedUpstream(
        reply(200, content=b"<html>maintenance</html>", headers={"Content-Type": "text/html"}, request_id="req_html")
    )

    with pytest.raises(errors.UpstreamBadResponse) as caught:
        make_client(upstream).get_key("pk_1")

    assert caught.value.field == "body"
    assert "expected JSON, got text/html" in str(caught.value)
    assert caught.value.request_id == "req_html" and caught.value.status == 200
    assert len(upstream.requests) == 1


def test_a_reply_of_the_wrong_shape_names_the_field():
    upstream = ScriptedUpstream(reply(200, [key_payload(), key_payload(trafficUsedMB="abc")]))

    with pytest.raises(errors.UpstreamBadResponse) as caught:
        make_client(upstream).list_keys()

    assert caught.value.field == "keys[1].trafficUsedMB"
    assert "keys[1].trafficUsedMB: expected a number, got 'abc'" in str(caught.value)
    assert not caught.value.retryable
    assert len(upstream.requests) == 1


def test_a_mint_reply_without_the_secret_is_a_bad_response():
    payload = key_payload()
    del payload["key"]
    upstream = ScriptedUpstream(reply(201, payload))

    with pytest.raises(errors.UpstreamBadResponse) as caught:
        create(make_client(upstream))

    assert caught.value.field == "key"


def test_an_error_body_that_is_not_json_still_gives_a_typed_error():
    upstream = ScriptedUpstream(reply(502, content=b"<html>Bad gateway</html>", headers={"Content-Type": "text/html"}))

    with pytest.raises(errors.UpstreamUnavailable) as caught:
        make_client(upstream, max_attempts=1).list_keys()

    assert "502" in str(caught.value) and "<html>" not in str(caught.value)


def test_request_id_falls_back_to_the_error_envelope():
    upstream = ScriptedUpstream(
        httpx.Response(
            404,
            json={
                "error": {
                    "type": "not_found",
                    "code": "key_not_found",
                    "message": "No such key",
                    "request_id": "req_body",
                }
            },
        )
    )

    with pytest.raises(errors.UpstreamNotFound) as caught:
        make_client(upstream).get_key("pk_missing")

    assert caught.value.request_id == "req_body"
    assert caught.value.code == "key_not_found"
    assert "No such key" in caught.value.message


@pytest.mark.parametrize("bad_key", ["short", "x" * 129, "has space here", "semi;colon", "ümlaut_key", None, 12345678])
def test_invalid_idempotency_keys_are_refused_before_any_request(bad_key):
    upstream = ScriptedUpstream(reply(201, key_payload()))

    with pytest.raises(ValueError, match="idempotency_key"):
        create(make_client(upstream), idempotency_key=bad_key)

    assert upstream.requests == []


@pytest.mark.parametrize(
    "call",
    [
        lambda c, k: c.update_key("pk_1", enabled=True, idempotency_key=k),
        lambda c, k: c.top_up_key("pk_1", extend_days=1, idempotency_key=k),
        lambda c, k: c.regenerate_key("pk_1", idempotency_key=k),
        lambda c, k: c.delete_key("pk_1", idempotency_key=k),
        lambda c, k: c.reveal_key("pk_1", idempotency_key=k),
        lambda c, k: c.close_session("s1", idempotency_key=k),
    ],
)
def test_every_write_validates_its_idempotency_key(call):
    upstream = ScriptedUpstream(reply(200, key_payload()))

    with pytest.raises(ValueError, match="idempotency_key"):
        call(make_client(upstream), "bad key!")

    assert upstream.requests == []


@pytest.mark.parametrize("good_key", ["a" * 8, "Z" * 128, "order_42-top-up_7"])
def test_valid_idempotency_keys_are_sent(good_key):
    upstream = ScriptedUpstream(reply(201, key_payload()))

    create(make_client(upstream), idempotency_key=good_key)

    assert upstream.last.headers["Idempotency-Key"] == good_key


def test_health_records_success_and_errors_and_tells_auth_failures_apart():
    upstream = ScriptedUpstream(
        reply(200, []),
        reply(503, request_id="req_503"),
        reply(401, {"message": "Invalid API key"}, request_id="req_401"),
        reply(200, {"pools": {}, "totals": {}}),  # a public feed still answers with a revoked key
        reply(200, []),
    )
    client = make_client(upstream, max_attempts=1)
    assert upstream_health_get()["state"] == "unknown"

    client.list_keys()
    assert upstream_health_get()["state"] == "ok"

    with pytest.raises(errors.UpstreamUnavailable):
        client.list_keys()
    health = upstream_health_get()
    assert health["state"] == "degraded"
    assert health["last_error"]["status"] == 503 and health["last_error"]["request_id"] == "req_503"

    with pytest.raises(errors.UpstreamAuthError):
        client.list_keys()
    health = upstream_health_get()
    assert health["state"] == "auth_failed"
    assert health["last_auth_error"]["status"] == 401
    assert health["last_auth_error"]["request_id"] == "req_401"
    assert "Invalid API key" in health["last_auth_error"]["message"]

    client.stock()
    assert upstream_health_get()["state"] == "auth_failed"

    client.list_keys()
    health = upstream_health_get()
    assert health["state"] == "ok"
    assert health["last_success"]["path"] == "/reseller/pool-keys"
