"""Retryable vs terminal errors of the ports client: the pool client's taxonomy, plus a rotation
cooldown that is never retried and a create refused for want of a slot or a device. Parsing
problems name the field."""

import httpx
import pytest

from apps.ports.upstream import errors
from apps.proxies.upstream.errors import RetryableUpstreamError, TerminalUpstreamError

from .client_support import IDEM, Clock, ScriptedUpstream, created_payload, make_client, port_payload, reply

PORT_ID = "p1"


def _create(client):
    return client.create_port(
        country_id="c1", lifetime_seconds=86400, slot_type="shared", display_name="sf-u1-o1", idempotency_key=IDEM
    )


def test_a_rotation_inside_the_cooldown_is_not_retried_and_says_how_long_to_wait():
    body = {"statusCode": 429, "message": "Rate limited. Must wait 180 seconds before next rotation."}
    upstream = ScriptedUpstream(reply(429, body, headers={"Retry-After": "180"}))
    clock = Clock()

    with pytest.raises(errors.PortRotationCooldown) as caught:
        make_client(upstream, clock).rotate_port(PORT_ID, idempotency_key=IDEM)

    assert len(upstream.requests) == 1
    assert clock.sleeps == []
    assert caught.value.retry_after == 180
    assert not caught.value.retryable
    assert isinstance(caught.value, TerminalUpstreamError)
    assert "180 seconds" in caught.value.message


def test_the_token_link_cooldown_is_terminal_too():
    upstream = ScriptedUpstream(reply(429, {"error": {"code": "rotation_cooldown", "message": "wait"}}))

    with pytest.raises(errors.PortRotationCooldown):
        make_client(upstream).rotate_by_token("32c2144a26f1ff1a3a0b79c4e31b7369")

    assert len(upstream.requests) == 1


def test_a_429_elsewhere_is_retried_like_the_pool_client():
    upstream = ScriptedUpstream(
        reply(429, {"message": "slow down"}, headers={"Retry-After": "1"}), reply(200, port_payload())
    )
    clock = Clock()

    port = make_client(upstream, clock).get_port(PORT_ID)

    assert port.id
    assert clock.sleeps == [1.0]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"error": {"code": "no_available_slots", "message": "No shared slots left"}}, "slots"),
        ({"error": {"code": "no_available_devices", "message": "No free device in DE"}}, "devices"),
        ({"statusCode": 409, "message": "No available slots. Purchase more slots.", "error": "Conflict"}, "slots"),
        ({"statusCode": 409, "message": "No devices available in this country", "error": "Conflict"}, "devices"),
    ],
)
def test_create_without_capacity_says_what_is_missing(body, reason):
    upstream = ScriptedUpstream(reply(409, body))

    with pytest.raises(errors.PortNoCapacity) as caught:
        _create(make_client(upstream))

    assert caught.value.reason == reason
    assert isinstance(caught.value, errors.UpstreamConflict)
    assert len(upstream.requests) == 1


@pytest.mark.parametrize(
    ("status", "error_class"),
    [
        (400, errors.UpstreamValidationError),
        (401, errors.UpstreamAuthError),
        (403, errors.UpstreamAuthError),
        (404, errors.UpstreamNotFound),
        (422, errors.UpstreamValidationError),
    ],
)
def test_terminal_statuses_are_not_retried(status, error_class):
    upstream = ScriptedUpstream(reply(status, {"message": "no"}))

    with pytest.raises(error_class):
        make_client(upstream).rotate_port(PORT_ID, idempotency_key=IDEM)

    assert len(upstream.requests) == 1


@pytest.mark.parametrize(
    "failure",
    [reply(500, {"message": "boom"}), reply(503), httpx.ReadTimeout, httpx.ConnectError, httpx.RemoteProtocolError],
)
def test_a_create_is_retried_with_the_same_idempotency_key(failure):
    upstream = ScriptedUpstream(failure, failure, reply(201, created_payload()))

    record = _create(make_client(upstream))

    assert record.id
    assert len(upstream.requests) == 3
    assert {r.headers["Idempotency-Key"] for r in upstream.requests} == {IDEM}


def test_retryable_failures_surface_as_retryable_after_the_last_attempt():
    upstream = ScriptedUpstream(reply(502))

    with pytest.raises(RetryableUpstreamError) as caught:
        _create(make_client(upstream))

    assert caught.value.attempts == 3


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (port_payload(httpPort="x"), "httpPort"),
        (port_payload(httpPort=70000), "httpPort"),
        (port_payload(serverIp=None), "serverIp"),
        (port_payload(expiresAt="soon"), "expiresAt"),
        (port_payload(rotationSettings={"intervalSeconds": "often"}), "rotationSettings.intervalSeconds"),
        (port_payload(device={"_id": "d", "country": 7}), "device.country"),
    ],
)
def test_a_bad_port_record_names_the_field(payload, field):
    upstream = ScriptedUpstream(reply(200, payload))

    with pytest.raises(errors.UpstreamBadResponse) as caught:
        make_client(upstream).get_port(PORT_ID)

    assert caught.value.field == field
    assert field in caught.value.message


def test_a_bad_record_in_a_list_names_its_index():
    upstream = ScriptedUpstream(reply(200, [port_payload(), port_payload(socksPort=None)]))

    with pytest.raises(errors.UpstreamBadResponse) as caught:
        make_client(upstream).list_ports()

    assert caught.value.field == "ports[1].socksPort"


def test_a_create_reply_without_the_password_is_refused():
    upstream = ScriptedUpstream(reply(201, created_payload(proxyPassword=None)))

    with pytest.raises(errors.UpstreamBadResponse) as caught:
        _create(make_client(upstream))

    assert caught.value.field == "proxyPassword"
