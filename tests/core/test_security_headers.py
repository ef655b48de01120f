"""Security headers and cookie flags on real responses, with the production values.

The production settings module is imported afresh (it needs a production environment); its
security settings are then applied to this test process with override_settings."""

import re

import pytest
from django.test import override_settings

from tests.factories import DEFAULT_PASSWORD, UserFactory

from .fresh_settings import import_settings
from .subprocesses import production_env

SECURITY_SETTINGS = [
    "ALLOWED_HOSTS",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_SSL_REDIRECT",
    "SECURE_REDIRECT_EXEMPT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_CSP",
    "SECURE_REFERRER_POLICY",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "X_FRAME_OPTIONS",
    "SESSION_COOKIE_NAME",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "SESSION_COOKIE_DOMAIN",
    "SESSION_COOKIE_PATH",
    "CSRF_COOKIE_NAME",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_SAMESITE",
    "CSRF_COOKIE_DOMAIN",
    "CSRF_COOKIE_PATH",
    "CSRF_TRUSTED_ORIGINS",
]
HOST = "shop.example.com"


@pytest.fixture
def production_security(monkeypatch):
    with monkeypatch.context() as m:
        production = import_settings("storefront.settings.production", production_env(), m)
    values = {name: getattr(production, name) for name in SECURITY_SETTINGS}
    with override_settings(**values):
        yield values


@pytest.fixture
def https(client):
    """A client that talks to the shop the way the TLS proxy does."""
    client.defaults.update({"HTTP_HOST": HOST, "HTTP_X_FORWARDED_PROTO": "https"})
    return client


def _set_cookie(response, name: str) -> str:
    assert name in response.cookies, f"{name} not set; got {list(response.cookies)}"
    return response.cookies[name].output(header="").strip()


def test_page_carries_strict_csp_with_a_nonce_the_page_uses(db, production_security, https):
    response = https.get("/")

    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    nonce = re.search(r"'nonce-([^']+)'", directives["script-src"]).group(1)
    assert f"'nonce-{nonce}'" in directives["style-src"]
    assert f'nonce="{nonce}"'.encode() in response.content


def test_nonce_changes_on_every_response(db, production_security, https):
    first = https.get("/")["Content-Security-Policy"]
    second = https.get("/")["Content-Security-Policy"]

    assert re.search(r"'nonce-([^']+)'", first).group(1) != re.search(r"'nonce-([^']+)'", second).group(1)


def test_page_forbids_framing_sniffing_and_leaky_referrers(db, production_security, https):
    response = https.get("/")

    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_plain_http_is_redirected_to_https(db, production_security, client):
    response = client.get("/account/", HTTP_HOST=HOST)

    assert response.status_code == 301
    assert response["Location"] == f"https://{HOST}/account/"
    assert "Strict-Transport-Security" not in response


def test_healthz_answers_over_plain_http_for_the_container_healthcheck(db, production_security, client):
    response = client.get("/healthz", HTTP_HOST=HOST)

    assert response.status_code == 200
    assert response.json()["checks"]["database"] == "ok"


def test_csrf_cookie_is_a_host_prefixed_secure_cookie(db, production_security, https):
    response = https.get("/accounts/login/")

    assert response.status_code == 200
    cookie = _set_cookie(response, "__Host-csrftoken")
    assert "Secure" in cookie
    assert "Path=/" in cookie
    assert "Domain" not in cookie
    assert "SameSite=Lax" in cookie


def test_session_cookie_is_a_host_prefixed_secure_httponly_cookie(db, production_security, https):
    user = UserFactory()

    response = https.post("/accounts/login/", {"login": user.email, "password": DEFAULT_PASSWORD})

    assert response.status_code == 302, response.content[:500]
    cookie = _set_cookie(response, "__Host-sessionid")
    assert "Secure" in cookie
    assert "HttpOnly" in cookie
    assert "Path=/" in cookie
    assert "Domain" not in cookie
    assert "SameSite=Lax" in cookie
    assert "sessionid" not in response.cookies


def test_unknown_host_is_refused(db, production_security, client):
    response = client.get("/", HTTP_HOST="evil.example.net", HTTP_X_FORWARDED_PROTO="https")

    assert response.status_code == 400
