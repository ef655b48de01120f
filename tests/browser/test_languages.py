"""The shop in the customers' languages, as a browser shows it (issue 18): landing, sign-up, the
dashboard with everything it loads after render, orders and a receipt in Russian and Simplified
Chinese with no English UI text left; German, the longest, breaks no layout at 390 and 1366 px.
With STOREFRONT_SCREENSHOTS set the pages are also saved to docs/screenshots/i18n-*.png."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from apps.billing.models import Order
from tests.browser.conftest import DB_LOCK, ensure_plans, login
from tests.core.test_pages_in_languages import english_left
from tests.proxies.support import make_order, mint_key

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
TOOLS_AND_FORMATS = {"Node", "Python", "requests", "httpx", "host", "port", "user", "pass", "txt", "csv", "tsv", "json"}
TOOLS_AND_FORMATS |= {"att", "vodafone", "nyc", "london"}  # carrier and city names in examples


@pytest.fixture
def customer_in(chromium, serialized_live_server):
    """A page factory: a signed-in customer with a key and a paid order, in `language`."""
    from tests.factories import UserFactory

    ensure_plans()
    contexts = []

    def open_as(language: str, *, viewport=LAPTOP):
        with DB_LOCK:
            customer = UserFactory(language=language)
            key = mint_key(customer)
            order = make_order(customer, status=Order.Status.PROVISIONED, fulfilment_ref=str(key.pk))
        context = chromium.new_context(base_url=serialized_live_server.url, viewport=viewport, locale=language)
        contexts.append(context)
        login(context, customer, serialized_live_server)
        return context.new_page(), customer, order

    yield open_as
    for context in contexts:
        context.close()


def _settled(page, path: str) -> str:
    page.goto(path)
    page.wait_for_load_state("networkidle")  # the parts htmx loads after render are in too
    return page.content()


def _shoot(page, name: str) -> None:
    if os.environ.get("STOREFRONT_SCREENSHOTS"):
        page.screenshot(path=OUT / f"i18n-{name}.png", full_page=False)


@pytest.mark.parametrize("language", ["ru", "zh-hans"])
def test_customer_pages_show_no_english_in_the_browser(customer_in, language):
    from apps.proxies.models import PoolKey
    from apps.proxies.services import feeds

    page, customer, order = customer_in(language)
    # Theirs, not ours: the customer's address, key name and session tag, tool names in the code examples'
    # labels, the list layouts' field names and file types, the upstream's own incident texts.
    incidents = " ".join(f"{i.title} {i.description}" for i in feeds.incidents_feed(fetch=True).value or [])
    key = PoolKey.objects.get(customer=customer)
    tag = f"{key.session_tag} {key.label}"  # the key's name is the customer's own
    email_words = {
        *re.findall(r"[A-Za-z]{3,}", f"{customer.email} {tag} {incidents}"),
        *TOOLS_AND_FORMATS,
    }
    for name, path in [
        ("dashboard", "/dashboard/"),
        ("orders", "/dashboard/orders/"),
        ("receipt", f"/dashboard/orders/{order.public_id}/"),
    ]:
        html = _settled(page, path)
        assert f'lang="{language}"' in html
        # Letters of hex ids (order references, key names) are not words.
        left = {w for w in english_left(html, also_allowed=email_words) if not re.fullmatch(r"[a-f]+", w)}
        assert not left, (path, " ".join(sorted(left)))
        _shoot(page, f"{language}-{name}")


@pytest.mark.parametrize("language", ["ru", "zh-hans"])
def test_public_pages_show_no_english_in_the_browser(chromium, serialized_live_server, language):
    ensure_plans()
    context = chromium.new_context(base_url=serialized_live_server.url, viewport=LAPTOP, locale=language)
    page = context.new_page()
    try:
        for name, path in [("landing", "/"), ("signup", "/accounts/signup/")]:
            html = _settled(page, path)
            assert f'lang="{language}"' in html
            assert not english_left(html), (path, sorted(english_left(html)))
            _shoot(page, f"{language}-{name}")
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["390px", "1366px"])
def test_german_breaks_no_layout(customer_in, viewport):
    page, _customer, order = customer_in("de", viewport=viewport)
    for path in ["/", "/dashboard/", "/dashboard/orders/", f"/dashboard/orders/{order.public_id}/", "/account/"]:
        _settled(page, path)
        expect(page.locator("html")).to_have_attribute("lang", "de")
        widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], (path, widths)
