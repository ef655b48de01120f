"""The dashboard on a phone (issue 15, 390 x 844): nothing wider than the screen, no box that
scrolls inside the page, chart labels readable, the builder's URL in view with the builder, whole
e-mail addresses, code that scrolls instead of breaking, and the section links kept in view.
Also what the page brings with it: the incident banner and the bulk country counts."""

import json

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from apps.billing.models import Order
from apps.sandbox.upstream.services import sandbox_incident_open
from tests.browser.conftest import DB_LOCK, ensure_plans, login
from tests.proxies.support import make_order, mint_key, open_session

PHONE = {"width": 390, "height": 844}
EMAIL = "sam.long-name@example-company.com"


@pytest.fixture
def phone_page(chromium, serialized_live_server):
    """A signed-in customer with a key, sessions and a few orders, on a phone-sized screen."""
    from tests.factories import UserFactory

    ensure_plans()
    with DB_LOCK:
        customer = UserFactory(email=EMAIL)
        key = mint_key(customer)
        for _ in range(3):
            make_order(customer, status=Order.Status.PROVISIONED, fulfilment_ref=str(key.pk))
        for part in ("scraper01", "checkout"):
            open_session(key, part, country="us")
        cache.clear()
    context = chromium.new_context(
        base_url=serialized_live_server.url, viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True
    )
    login(context, customer, serialized_live_server)
    page = context.new_page()
    yield page
    context.close()


def _open_dashboard(page):
    page.goto("/dashboard/")
    page.wait_for_load_state("networkidle")
    expect(page.locator("#builder-form")).to_be_visible()


def _scroll_to(page, element_id: str) -> None:
    """Like following the section link, without the smooth scrolling's animation."""
    page.evaluate("id => document.getElementById(id).scrollIntoView({behavior: 'instant'})", element_id)


def _no_sideways_scroll(page) -> None:
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= PHONE["width"], widths


def test_nothing_on_the_dashboard_is_wider_than_a_phone(phone_page):
    _open_dashboard(phone_page)
    _no_sideways_scroll(phone_page)
    phone_page.goto("/dashboard/orders/")
    _no_sideways_scroll(phone_page)


def test_orders_and_stock_grow_with_their_rows_instead_of_scrolling_inside(phone_page):
    _open_dashboard(phone_page)
    boxes = phone_page.evaluate(
        """() => Array.from(document.querySelectorAll('#orders *, #stock *')).filter(el => {
             const style = getComputedStyle(el);
             const scrolls = el.scrollHeight > el.clientHeight + 1 && /(auto|scroll)/.test(style.overflowY);
             return style.maxHeight !== 'none' || scrolls;
           }).map(el => el.className || el.tagName)"""
    )
    assert boxes == []
    assert phone_page.locator("#stock .stock-table tbody tr").count() > 0


def test_the_stock_table_fits_the_phone(phone_page):
    _open_dashboard(phone_page)
    fit = phone_page.evaluate(
        "() => { const w = document.querySelector('#stock .table-wrap');"
        " return {content: w.scrollWidth, visible: w.clientWidth, right: w.getBoundingClientRect().right}; }"
    )
    assert fit["content"] <= fit["visible"], fit
    assert fit["right"] <= PHONE["width"], fit


def test_chart_labels_are_at_least_11_px_on_screen(phone_page):
    _open_dashboard(phone_page)
    sizes = phone_page.evaluate(
        """() => Array.from(document.querySelectorAll('svg.bar-chart text')).map(text => {
             const scale = text.ownerSVGElement.getScreenCTM().a;
             return parseFloat(getComputedStyle(text).fontSize) * scale;
           })"""
    )
    assert sizes, "the usage chart has labels"
    assert min(sizes) >= 11, sizes


def test_the_builders_url_is_in_view_with_the_builder(phone_page):
    _open_dashboard(phone_page)
    _scroll_to(phone_page, "builder")
    url_box = phone_page.locator("#out-url").bounding_box()
    assert url_box is not None
    assert url_box["y"] >= 0 and url_box["y"] + url_box["height"] <= PHONE["height"], url_box


def test_an_email_address_is_never_split_mid_word(phone_page):
    _open_dashboard(phone_page)
    lines = phone_page.evaluate("() => document.querySelector('.dash-sub .email').getClientRects().length")
    assert lines == 1
    assert phone_page.locator(".dash-sub .email").inner_text() == EMAIL


def test_code_blocks_scroll_sideways_and_keep_tokens_whole(phone_page):
    _open_dashboard(phone_page)
    blocks = phone_page.evaluate(
        """() => Array.from(document.querySelectorAll('main pre')).filter(pre => pre.offsetParent).map(pre => {
             const style = getComputedStyle(pre);
             return {whiteSpace: style.whiteSpace, overflowX: style.overflowX, wordBreak: style.wordBreak,
                     right: pre.getBoundingClientRect().right};
           })"""
    )
    assert blocks
    for block in blocks:
        assert block["whiteSpace"] == "pre" and block["overflowX"] == "auto", block
        assert block["wordBreak"] == "normal" and block["right"] <= PHONE["width"], block
    url = phone_page.evaluate(
        "() => { const pre = document.getElementById('out-url').parentElement;"
        " return {lines: document.getElementById('out-url').getClientRects().length,"
        " scrolls: pre.scrollWidth > pre.clientWidth}; }"
    )
    assert url == {"lines": 1, "scrolls": True}


def test_the_section_links_stay_in_view_down_the_page(phone_page):
    _open_dashboard(phone_page)
    _scroll_to(phone_page, "stock")
    nav = phone_page.locator(".dash-tabs")
    box = nav.bounding_box()
    assert box is not None and 0 <= box["y"] < 120, box
    assert nav.evaluate("el => getComputedStyle(el).position") == "sticky"
    header = phone_page.locator(".site-header").bounding_box()
    assert header is not None and box["y"] >= header["y"] + header["height"] - 1, (box, header)


def test_the_incident_banner_comes_with_the_page(phone_page):
    with DB_LOCK:
        sandbox_incident_open(
            severity="minor", title="Slower connections in Brazil", description="We are on it.", affects=["peer:br"]
        )
        cache.clear()
        # The shop has read the feed before (a page's refresh or the background sync); the page
        # itself never waits on the upstream for it.
        from apps.proxies.services import feeds

        feeds.incidents_feed(fetch=True)
    response = phone_page.goto("/dashboard/")
    assert response is not None and "Slower connections in Brazil" in response.text()
    first = phone_page.locator(".dash-head").bounding_box()
    phone_page.wait_for_load_state("networkidle")
    expect(phone_page.locator("#incidents .incident")).to_have_count(1)
    assert phone_page.locator(".dash-head").bounding_box() == first


def test_the_bulk_country_select_shows_names_and_live_counts(phone_page):
    _open_dashboard(phone_page)
    labels = phone_page.locator("#id_bulk-country option").all_inner_texts()
    assert any(label.startswith("Germany (DE) — ") and label.endswith(" online") for label in labels), labels
    # The stock panel refreshes: the counts in the select follow the new figures.
    phone_page.evaluate("() => htmx.ajax('GET', '/dashboard/stock/', {target: '#stock-body', swap: 'innerHTML'})")
    phone_page.wait_for_load_state("networkidle")
    update = phone_page.locator("#stock-data-update")
    expect(update).to_have_count(1)
    counts = json.loads(update.text_content() or "{}")
    germany = phone_page.locator("#id_bulk-country option[value=de]").inner_text()
    assert germany == f"Germany (DE) — {counts['de']['mbl']:,} online"
