"""No psx_ API key and no full pak_ secret in any log line or exception of a failing call,
even when the upstream echoes them back. Logs are captured at DEBUG, httpx/httpcore included."""

import logging
import traceback

import httpx
import pytest

from apps.proxies.upstream import errors
from tests.proxies.test_client_support import API_KEY, IDEM, PAK, ScriptedUpstream, key_payload, make_client, reply

ECHO = f"key {API_KEY} rejected while handling {PAK}"


@pytest.fixture
def all_logs(caplog):
    """caplog at DEBUG for everything, including loggers that do not propagate to the root."""
    caplog.set_level(logging.DEBUG)
    extra = [logging.getLogger(name) for name in ("httpx", "httpcore", "apps.proxies.upstream")]
    saved = [(lg, lg.level) for lg in extra]
    for lg in extra:
        lg.setLevel(logging.DEBUG)
        lg.addHandler(caplog.handler)
    yield caplog
    for lg, level in saved:
        lg.removeHandler(caplog.handler)
        lg.setLevel(level)


def exception_texts(exc: BaseException) -> str:
    return "\n".join(
        [str(exc), repr(exc), *map(str, exc.args), "".join(traceback.format_exception(exc)), str(vars(exc))]
    )


def assert_no_secret(text: str) -> None:
    assert API_KEY not in text
    assert PAK not in text
    # Not even a long fragment of either (masking keeps the prefix and 4 characters).
    assert API_KEY[:12] not in text
    assert PAK[:12] not in text


@pytest.mark.parametrize(
    ("script", "error_class"),
    [
        ((reply(401, {"message": ECHO, "error": "Unauthorized"}),), errors.UpstreamAuthError),
        (
            (reply(422, {"error": {"code": "bad", "message": ECHO, "request_id": "req_1"}}),),
            errors.UpstreamValidationError,
        ),
        ((reply(500, content=ECHO.encode(), headers={"Content-Type": "text/plain"}),), errors.UpstreamUnavailable),
        ((reply(429, {"message": [ECHO, ECHO]}, headers={"Retry-After": "1"}),), errors.UpstreamRateLimited),
        ((reply(200, key_payload(enabled=PAK)),), errors.UpstreamBadResponse),
        ((reply(200, key_payload(label={"nested": ECHO}, trafficCapGB=API_KEY)),), errors.UpstreamBadResponse),
        ((httpx.ConnectError(f"connect failed: {ECHO}"),), errors.UpstreamNetworkError),
        ((httpx.ReadTimeout(f"read timed out: {ECHO}"),), errors.UpstreamTimeout),
    ],
)
def test_a_failing_call_leaks_no_secret_into_logs_or_exceptions(all_logs, capfd, script, error_class):
    upstream = ScriptedUpstream(*script)
    client = make_client(upstream)

    with pytest.raises(error_class) as caught:
        client.create_key(label="customer", traffic_cap_gb=None, expires_at=None, idempotency_key=IDEM)

    assert all_logs.records, "the call should have been logged"
    assert_no_secret(all_logs.text)
    assert_no_secret("\n".join(str(r.__dict__) for r in all_logs.records))
    assert_no_secret(exception_texts(caught.value))
    assert caught.value.__cause__ is None and caught.value.__context__ is None
    out, err = capfd.readouterr()
    assert_no_secret(out + err)


def test_the_error_keeps_a_masked_hint_of_what_the_upstream_said(all_logs):
    upstream = ScriptedUpstream(reply(401, {"message": ECHO}))

    with pytest.raises(errors.UpstreamAuthError) as caught:
        make_client(upstream).list_keys()

    assert "psx_live…" in str(caught.value)
    assert "pak_0123…" in str(caught.value)


def test_a_successful_reveal_logs_no_secret(all_logs):
    upstream = ScriptedUpstream(reply(200, key_payload()))

    record = make_client(upstream).reveal_key("pk_1")

    assert record.secret == PAK
    assert PAK not in repr(record)
    assert_no_secret(all_logs.text)
    assert any("reveal" in r.getMessage() for r in all_logs.records)


def test_the_client_repr_hides_the_api_key():
    client = make_client(ScriptedUpstream(reply(200, [])))

    assert API_KEY not in repr(client)
