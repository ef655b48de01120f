"""Live tokens in URLs (password reset, email confirmation, ports rotation) and API keys never
reach a log line, an access line or an error report."""

import io
import json
import logging
import re
import runpy
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.test import RequestFactory, TestCase, override_settings
from django.urls import reverse
from django.views.debug import get_exception_reporter_class, get_exception_reporter_filter

from apps.core.logging import SecretMaskFilter, mask_secrets
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
RESET_KEY = "6-diyqd6-5125742da6ea98fcaff764c785a87881"
CONFIRM_KEY = "MQ:1tXyzA:Q2h4dW5rcy1vZi1zaWduZWQtZGF0YQ"
SFK_LIVE = "sfk_live_" + "7Hq2LmN9pQ4rS8tV"  # split so secret scanners skip a fake


def _link(pattern: str) -> str:
    match = re.search(r"https?://[^/\s]+(" + pattern + r"\S*)", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)


def _access_paths(stream: io.StringIO) -> list[str]:
    lines = [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    return [line["path"] for line in lines if line["logger"] == "storefront.access"]


@pytest.mark.parametrize(
    ("url", "token"),
    [
        (reverse("account_reset_password_from_key", kwargs={"uidb36": "6", "key": RESET_KEY[2:]}), RESET_KEY),
        (reverse("account_confirm_email", args=[CONFIRM_KEY]), CONFIRM_KEY),
        ("/ports/rotate/rot_4f2a9c1b7d3e5a60", "rot_4f2a9c1b7d3e5a60"),
        (f"/api/keys?key={SFK_LIVE}", SFK_LIVE),
        ("/somewhere?token=4f2a9c1b7d3e5a60&page=2", "4f2a9c1b7d3e5a60"),
    ],
)
def test_every_token_route_is_masked_in_text(url, token):
    masked = mask_secrets(f"GET {url} 200")

    assert token not in masked
    assert token[:-4] not in masked
    assert "…" in masked


def test_masking_keeps_the_route_and_leaves_token_free_paths_alone():
    assert mask_secrets(f"/accounts/password/reset/key/{RESET_KEY}/") == "/accounts/password/reset/key/…/"
    assert mask_secrets(f"/accounts/confirm-email/{CONFIRM_KEY}/") == "/accounts/confirm-email/…/"
    for path in ["/accounts/confirm-email/", "/accounts/password/reset/key/done/", "/dashboard/orders/"]:
        assert mask_secrets(path) == path


def test_shop_api_keys_are_masked_like_the_other_keys():
    assert mask_secrets(f"key {SFK_LIVE}") == "key sfk_live_7Hq2…"
    assert mask_secrets("sfk_test_" + "0123456789abcdef") == "sfk_test_0123…"


def test_access_log_masks_the_password_reset_link(client, db, log_output):
    user = UserFactory(email="alice@example.com")
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post("/accounts/password/reset/", {"email": user.email})
    link = _link("/accounts/password/reset/key/")
    stream = log_output("json")

    response = client.get(link, follow=True)

    assert response.status_code == 200
    output = stream.getvalue()
    key = link.rstrip("/").rsplit("/", 1)[-1]
    assert key not in output and key.split("-", 1)[1][:-4] not in output
    assert _access_paths(stream) == ["/accounts/password/reset/key/…/", "/accounts/password/reset/key/…/"]


@override_settings(ACCOUNT_EMAIL_VERIFICATION="mandatory")
def test_access_log_masks_the_email_confirmation_link(client, db, log_output):
    password = "a-brand-new-Passphrase-42"
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post("/accounts/signup/", {"email": "new@example.com", "password1": password, "password2": password})
    link = _link("/accounts/confirm-email/")
    stream = log_output("json")

    client.get(link)

    key = link.rstrip("/").rsplit("/", 1)[-1]
    assert key not in stream.getvalue()
    assert _access_paths(stream) == ["/accounts/confirm-email/…/"]


def test_not_found_lines_mask_the_token_in_the_path(client, db, log_output):
    stream = log_output("json")

    response = client.get("/ports/rotate/rot_4f2a9c1b7d3e5a60")

    assert response.status_code == 404
    output = stream.getvalue()
    assert "rot_4f2a9c1b7d3e5a60" not in output
    assert "Not Found: /ports/rotate/…" in output


def _error_report(path: str):
    request = RequestFactory().get(path)
    key = RESET_KEY  # a local named like a secret, as in allauth's reset view
    try:
        raise RuntimeError(f"reset failed for {SFK_LIVE}")
    except RuntimeError:
        reporter = get_exception_reporter_class(request)(request, *sys.exc_info())
    del key
    return reporter


def test_error_reports_mask_token_paths_keys_and_secret_locals():
    reporter = _error_report(f"/accounts/password/reset/key/{RESET_KEY}/?token=abcdef0123456789")

    for report in (reporter.get_traceback_text(), reporter.get_traceback_html()):
        assert RESET_KEY not in report
        assert RESET_KEY[2:-4] not in report
        assert "abcdef0123456789" not in report
        assert SFK_LIVE[:-4] not in report
        assert "/accounts/password/reset/key/…/" in report


def test_error_report_filter_hides_locals_named_like_secrets():
    request = RequestFactory().get("/")
    token = "tok_4f2a9c1b7d3e5a60"  # noqa: F841 (read from the frame)
    harmless = "order 42"  # noqa: F841
    frame = sys._getframe()

    variables = dict(get_exception_reporter_filter(request).get_traceback_frame_variables(request, frame))

    assert variables["token"] == "********************"
    assert variables["harmless"] == "order 42"


def test_gunicorn_access_lines_are_masked_if_the_access_log_is_switched_on():
    config = runpy.run_path(str(ROOT / "docker" / "gunicorn.conf.py"))["logconfig_dict"]
    access = config["loggers"]["gunicorn.access"]
    assert access["handlers"] == [] and access["level"] == "CRITICAL"  # off: Django writes the access line
    assert "mask_secrets" in access["filters"]
    assert config["filters"]["mask_secrets"]["()"] == "apps.core.logging.SecretMaskFilter"

    # Switched on by hand (a handler of gunicorn's own and INFO), the logger's filter still masks.
    logger = logging.getLogger("tests.core.gunicorn.access")
    logger.addFilter(SecretMaskFilter())
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    try:
        atoms = {"h": "203.0.113.9", "r": f"GET /accounts/password/reset/key/{RESET_KEY}/ HTTP/1.1", "s": "200"}
        logger.info('%(h)s "%(r)s" %(s)s', atoms)
    finally:
        logger.removeHandler(handler)

    assert stream.getvalue() == '203.0.113.9 "GET /accounts/password/reset/key/…/ HTTP/1.1" 200\n'
