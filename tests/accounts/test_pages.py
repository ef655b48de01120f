"""Pages render in the shop's frame under the strict CSP: no inline styles, no inline JS."""

import re

import pytest
from django.urls import reverse

from tests.factories import DEFAULT_PASSWORD

from .conftest import LOGIN_URL

PUBLIC_PAGES = [
    "/",
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/accounts/login/code/",
]
ACCOUNT_PAGES = [
    "/account/",
    "/accounts/email/",
    "/accounts/password/change/",
    "/accounts/2fa/",
    "/accounts/logout/",
]
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)


def _assert_csp_clean(html: str) -> None:
    assert ' style="' not in html and " style='" not in html
    assert not INLINE_HANDLER.search(html), INLINE_HANDLER.search(html)
    assert "javascript:" not in html.lower()
    for attrs in SCRIPT_TAG.findall(html):
        # External files, or JSON data blocks (never executed).
        assert "src=" in attrs or 'type="application/json"' in attrs, attrs


@pytest.mark.parametrize("url", PUBLIC_PAGES)
def test_public_pages_render_without_inline_styles_or_scripts(client, db, url):
    response = client.get(url)

    assert response.status_code == 200
    _assert_csp_clean(response.content.decode())


@pytest.mark.parametrize("url", ACCOUNT_PAGES)
def test_account_pages_render_without_inline_styles_or_scripts(client, user, url):
    client.force_login(user)

    response = client.get(url)

    assert response.status_code == 200
    _assert_csp_clean(response.content.decode())


def test_signup_errors_render_in_the_shop_frame(client, db):
    response = client.post("/accounts/signup/", {"email": "not-an-email", "password1": "x", "password2": "y"})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="field field-invalid"' in html
    assert 'class="errorlist' in html
    assert 'class="site-header"' in html
    _assert_csp_clean(html)


def test_csp_header_has_a_nonce_and_the_brand_style_tag_uses_it(client, db):
    response = client.get("/")

    policy = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert "'unsafe-inline'" not in policy
    assert re.search(r"style-src [^;]*'nonce-" + re.escape(nonce), policy)
    assert f'<style nonce="{nonce}">:root {{ --primary: #4f46e5;' in response.content.decode()


def test_each_response_gets_a_fresh_nonce(client, db):
    first = client.get("/")["Content-Security-Policy"]
    second = client.get("/")["Content-Security-Policy"]

    assert re.search(r"'nonce-([^']+)'", first).group(1) != re.search(r"'nonce-([^']+)'", second).group(1)


def test_htmx_is_self_hosted_configured_for_csp_and_sends_the_csrf_token(client, db):
    html = client.get("/").content.decode()

    assert '<script src="/static/vendor/htmx.min.js" defer></script>' in html
    assert """<meta name="htmx-config" content='{"includeIndicatorStyles": false""" in html
    token = re.search(r"""hx-headers='\{"X-CSRFToken": "([A-Za-z0-9]+)"\}'""", html)
    assert token and len(token.group(1)) >= 32
    assets = re.findall(r'<script[^>]* src="([^"]+)"', html) + re.findall(
        r'<link rel="(?!alternate)[^>]* href="([^"]+)"', html
    )
    # The scripts' strings come from the shop itself (/jsi18n/, same origin), the rest is static.
    assert assets and all(url.startswith(("/static/", "/jsi18n/?lang=")) for url in assets), assets


def test_landing_page_has_hero_features_how_it_works_and_pricing(client, db):
    html = client.get("/").content.decode()

    for anchor in ('id="features"', 'id="how-it-works"', 'id="pricing"'):
        assert anchor in html
    features = ("Mobile 4G/5G", "carrier and city", "9 rotation modes", "Pay per GB", "Instant access key", "dashboard")
    for feature in features:
        assert feature in html
    assert f'href="{reverse("account_signup")}"' in html


def test_landing_page_offers_the_dashboard_to_a_signed_in_customer(client, user):
    client.force_login(user)

    html = client.get("/").content.decode()

    assert 'href="/dashboard/"' in html
    assert 'action="/accounts/logout/"' in html


def test_sandbox_banner_is_shown_while_a_sandbox_is_on(client, db, settings):
    settings.SANDBOX_ACTIVE = True

    assert b'class="sandbox-banner"' in client.get("/").content


def test_footer_shows_support_email(client, db):
    assert b'href="mailto:support@example.com"' in client.get("/").content


def test_messages_are_rendered_in_the_page(client, user):
    client.post(LOGIN_URL, {"login": "alice@example.com", "password": DEFAULT_PASSWORD})

    html = client.get("/account/").content.decode()

    assert 'class="alert alert-success"' in html
    assert "Successfully signed in as alice@example.com." in html
