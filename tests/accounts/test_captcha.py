"""Optional CAPTCHA (Cloudflare Turnstile through django-turnstile) on sign-up and sign-in: off
by default; on, a form without a token verified by Cloudflare is refused. Cloudflare's
siteverify is played by a local HTTP server (the package posts to TURNSTILE_VERIFY_URL)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs

import pytest
import turnstile.fields
import turnstile.widgets

from apps.accounts.models import User
from tests.factories import DEFAULT_PASSWORD, UserFactory

from ..core.fresh_settings import import_settings

pytestmark = pytest.mark.django_db
PASSWORD = "a-brand-new-Passphrase-42"
GOOD_TOKEN = "token-from-a-human"


class _Siteverify(BaseHTTPRequestHandler):
    seen: list[dict] = []

    def do_POST(self):  # noqa: N802
        form = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
        type(self).seen.append(form)
        body = json.dumps({"success": form.get("response") == [GOOD_TOKEN]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def turnstile_on(settings, monkeypatch):
    server = HTTPServer(("127.0.0.1", 0), _Siteverify)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.CAPTCHA = "turnstile"
    # django-turnstile reads its settings when imported: point its module values at the test.
    monkeypatch.setattr(turnstile.fields, "ENABLE", True)
    monkeypatch.setattr(turnstile.widgets, "ENABLE", True)
    monkeypatch.setattr(turnstile.widgets, "SITEKEY", "0x4AAAA-test-sitekey")
    monkeypatch.setattr(turnstile.fields, "SECRET", "0x4AAAA-test-secret")
    monkeypatch.setattr(turnstile.fields, "VERIFY_URL", f"http://127.0.0.1:{server.server_port}/siteverify")
    _Siteverify.seen = []
    yield _Siteverify
    server.shutdown()
    server.server_close()


def _signup(client, **extra):
    data = {"email": "new@example.com", "password1": PASSWORD, "password2": PASSWORD, **extra}
    return client.post("/accounts/signup/", data)


def test_by_default_there_is_no_captcha(client):
    assert b"cf-turnstile" not in client.get("/accounts/signup/").content
    assert b"cf-turnstile" not in client.get("/accounts/login/").content
    _signup(client)
    assert User.objects.filter(email="new@example.com").exists()


def test_signup_shows_the_challenge_and_refuses_a_form_without_a_good_token(client, turnstile_on):
    page = client.get("/accounts/signup/").content.decode()

    refused = _signup(client, **{"cf-turnstile-response": "forged"})

    assert 'class="cf-turnstile"' in page and 'data-sitekey="0x4AAAA-test-sitekey"' in page
    assert refused.status_code == 200
    assert b"Turnstile could not be verified" in refused.content
    assert not User.objects.filter(email="new@example.com").exists()
    assert turnstile_on.seen[0]["secret"] == ["0x4AAAA-test-secret"]


def test_signup_with_a_verified_token_creates_the_account(client, turnstile_on):
    _signup(client, **{"cf-turnstile-response": GOOD_TOKEN})

    assert User.objects.filter(email="new@example.com").exists()


def test_login_needs_the_challenge_too(client, turnstile_on):
    user = UserFactory()

    refused = client.post("/accounts/login/", {"login": user.email, "password": DEFAULT_PASSWORD})
    accepted = client.post(
        "/accounts/login/", {"login": user.email, "password": DEFAULT_PASSWORD, "cf-turnstile-response": GOOD_TOKEN}
    )

    assert refused.status_code == 200 and b"Please prove you are a human" in refused.content
    assert accepted.status_code == 302


def test_turnstile_without_keys_is_a_clear_configuration_error(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured, match="TURNSTILE_SITEKEY and TURNSTILE_SECRET"):
        import_settings("storefront.settings.local", {"CAPTCHA": "turnstile"}, monkeypatch)


def test_turnstile_opens_the_content_security_policy_to_cloudflare_only_when_on(monkeypatch):
    on = import_settings(
        "storefront.settings.local",
        {"CAPTCHA": "turnstile", "TURNSTILE_SITEKEY": "0x4A-site", "TURNSTILE_SECRET": "0x4A-secret"},
        monkeypatch,
    )
    off = import_settings("storefront.settings.local", {}, monkeypatch)

    assert "https://challenges.cloudflare.com" in on.SECURE_CSP["script-src"]
    assert on.SECURE_CSP["frame-src"] == ["https://challenges.cloudflare.com"]
    assert "https://challenges.cloudflare.com" not in off.SECURE_CSP["script-src"]
