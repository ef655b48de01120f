"""Structured logs: the request id on every line, secrets masked wherever they hide."""

import io
import json
import logging
from unittest import mock

import pytest
from django.db import OperationalError, connection

from apps.core.logging import mask_secrets
from apps.core.request_context import request_id_var

PSX = "psx_live9f8e7d6c5b4a39281706"
PAK = "pak_0123456789abcdef01234567"
SK_LIVE = "sk_live_" + "51HqLyjWDarjtT1zdp7dc"  # split so secret scanners skip a fake
SK_TEST = "sk_test_4eC39HqLyjWDarjtT1zdp7dc"
WHSEC = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SECRETS = [PSX, PAK, SK_LIVE, SK_TEST, WHSEC]


def _json_lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def _assert_masked(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text
        assert secret[:-4] not in text


def test_mask_keeps_prefix_and_four_characters():
    assert mask_secrets(f"key={PSX}") == "key=psx_live…"
    assert mask_secrets(f"{PAK} and {WHSEC}") == "pak_0123… and whsec_MfKQ…"
    assert mask_secrets(SK_LIVE) == "sk_live_51Hq…"
    assert mask_secrets(SK_TEST) == "sk_test_4eC3…"


def test_mask_leaves_ordinary_words_alone():
    text = "task_queue disk_usage ask_for_help psx_ pak_12 risk_level"

    assert mask_secrets(text) == text


def test_secrets_in_message_and_args_are_masked(log_output):
    stream = log_output("json")
    logger = logging.getLogger("storefront.test")

    logger.warning(f"upstream rejected {PSX}")
    logger.warning("key %s for %s", PAK, "customer@example.com")
    logger.warning("stripe %(key)s", {"key": SK_LIVE})

    lines = _json_lines(stream)
    _assert_masked(stream.getvalue())
    assert [line["message"] for line in lines] == [
        "upstream rejected psx_live…",
        "key pak_0123… for customer@example.com",
        "stripe sk_live_51Hq…",
    ]


def test_secrets_in_exception_text_are_masked(log_output):
    stream = log_output("json")
    logger = logging.getLogger("storefront.test")

    try:
        raise RuntimeError(f"webhook secret {WHSEC} rejected")
    except RuntimeError:
        logger.exception("webhook failed")

    line = _json_lines(stream)[0]
    _assert_masked(stream.getvalue())
    assert "RuntimeError: webhook secret whsec_MfKQ… rejected" in line["exc_info"]


def test_secrets_in_extra_fields_are_masked_also_when_nested(log_output):
    stream = log_output("json")
    logger = logging.getLogger("storefront.test")

    logger.info(
        "minted",
        extra={"pool_key": PAK, "payload": {"key": PAK, "nested": [SK_TEST, {"secret": WHSEC}]}, "count": 3},
    )

    line = _json_lines(stream)[0]
    _assert_masked(stream.getvalue())
    assert line["pool_key"] == "pak_0123…"
    assert line["payload"] == {"key": "pak_0123…", "nested": ["sk_test_4eC3…", {"secret": "whsec_MfKQ…"}]}
    assert line["count"] == 3


def test_secrets_in_objects_rendered_late_are_masked(log_output):
    class Reply:
        def __str__(self) -> str:
            return f"<Reply key={PAK}>"

    stream = log_output("json")
    logging.getLogger("storefront.test").info("reply", extra={"reply": Reply()})

    _assert_masked(stream.getvalue())
    assert "pak_0123…" in stream.getvalue()


def test_text_format_is_masked_too(log_output):
    stream = log_output("text")
    token = request_id_var.set("req-text-0001")
    try:
        logging.getLogger("storefront.test").warning("key %s", PSX)
    finally:
        request_id_var.reset(token)

    output = stream.getvalue()
    _assert_masked(output)
    assert "WARNING [req-text-0001] storefront.test: key psx_live…" in output


def test_every_line_of_a_request_carries_its_id_and_the_response_echoes_it(client, db, log_output):
    stream = log_output("json")

    with mock.patch.object(connection, "cursor", side_effect=OperationalError("down")):
        response = client.get("/healthz")

    request_id = response["X-Request-ID"]
    assert len(request_id) == 32
    lines = _json_lines(stream)
    loggers = {line["logger"] for line in lines}
    # Our warning, and Django's 5xx line (written after the middleware has returned).
    assert {"apps.core.selectors", "django.request"} <= loggers
    assert {line["request_id"] for line in lines} == {request_id}


def test_incoming_request_id_from_the_proxy_is_kept(client, db, log_output):
    stream = log_output("json")

    response = client.get("/", HTTP_X_REQUEST_ID="edge-4f2a9c1b-7d")

    assert response["X-Request-ID"] == "edge-4f2a9c1b-7d"
    access = [line for line in _json_lines(stream) if line["logger"] == "storefront.access"]
    assert access == [
        {
            "time": access[0]["time"],
            "level": "INFO",
            "logger": "storefront.access",
            "request_id": "edge-4f2a9c1b-7d",
            "message": "GET / 200",
            "method": "GET",
            "path": "/",
            "status": 200,
            "duration_ms": access[0]["duration_ms"],
        }
    ]


@pytest.mark.parametrize("incoming", ["short", "<script>alert(1)</script>", "a" * 200, "id with spaces 123"])
def test_malformed_incoming_request_id_is_replaced(client, db, incoming):
    response = client.get("/", HTTP_X_REQUEST_ID=incoming)

    assert response["X-Request-ID"] != incoming
    assert len(response["X-Request-ID"]) == 32


def test_lines_outside_a_request_say_so(log_output):
    stream = log_output("json")

    logging.getLogger("storefront.test").info("background")

    assert _json_lines(stream)[0]["request_id"] == "-"


def test_request_id_does_not_leak_into_the_next_request(client, db):
    first = client.get("/")["X-Request-ID"]
    second = client.get("/")["X-Request-ID"]

    assert first != second
    assert request_id_var.get() == "-"
