"""A new customer's first visit on a phone (390 px) and on a laptop (1366 px), issue 15: the
landing page, "Sign up to buy" a plan, the sandbox checkout, the dashboard, the URL builder
with an invalid field, the orders; then the operator's orders and keys lists on the laptop. No
page is wider than the screen on the way."""

import re

import pytest
from playwright.sync_api import expect

from apps.billing.models import Order
from tests.browser.conftest import DB_LOCK, ensure_plans, login
from tests.factories import StaffFactory

PASSWORD = "a-Long-and-unusual-passphrase-42"
SCREENS = {"phone": {"width": 390, "height": 844}, "laptop": {"width": 1366, "height": 900}}


@pytest.fixture(params=sorted(SCREENS))
def screen(request, chromium, serialized_live_server, settings):
    settings.SITE_URL = serialized_live_server.url
    viewport = SCREENS[request.param]
    phone = request.param == "phone"
    context = chromium.new_context(
        base_url=serialized_live_server.url, viewport=viewport, is_mobile=phone, has_touch=phone
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    yield request.param, page, serialized_live_server
    page.goto("about:blank")  # stop the dashboard's polling before the server goes away
    context.close()


def _fits(page, width: int) -> None:
    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
    wide = page.evaluate(
        "w => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > w + 1)"
        ".map(e => e.tagName + '.' + e.className + ': ' + (e.textContent || '').trim().slice(0, 40)).slice(0, 5)",
        width,
    )
    assert scroll_width <= width, (page.url, scroll_width, wide)


def _sign_up_and_pay(page, email: str, width: int) -> None:
    page.goto("/")
    _fits(page, width)
    page.locator("#pricing").get_by_role("link", name="Sign up to buy").first.click()
    page.fill("input[name=email]", email)
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    _fits(page, width)
    page.locator("main form button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/billing/checkout/starter/$"))
    _fits(page, width)
    page.get_by_role("button", name="Continue to payment").click()
    expect(page.get_by_text("TEST PAYMENT", exact=True)).to_be_visible()
    _fits(page, width)
    page.get_by_role("button", name=re.compile(r"^Pay \$35")).click()
    status = page.locator("#order-status")
    expect(status).to_contain_text("Your proxy is ready")
    _fits(page, width)
    status.get_by_role("link", name="Go to your dashboard").click()


def _type_an_invalid_carrier(page) -> None:
    page.fill("#id_carrier", "at&t")
    expect(page.locator("#id_carrier")).to_have_attribute("aria-invalid", "true")


def test_a_first_visit_from_the_landing_page_to_the_orders(screen):
    name, page, live_server = screen
    width = SCREENS[name]["width"]
    ensure_plans()
    email = f"first.visit.{name}@example.com"
    _sign_up_and_pay(page, email, width)

    expect(page.locator("#builder-form")).to_be_visible()
    expect(page.locator("#key-status")).to_have_text("Active")
    _fits(page, width)

    # The builder with an invalid field: the field is marked and the builder says what to fix.
    _type_an_invalid_carrier(page)
    expect(page.locator("#builder-status")).to_contain_text("Check the carrier")
    _fits(page, width)

    page.goto("/dashboard/orders/")
    rows = page.locator(".orders-table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("UTC")
    expect(rows.first.get_by_role("link", name=re.compile("^Receipt"))).to_be_visible()
    _fits(page, width)
    with DB_LOCK:
        assert Order.objects.get(customer__email=email).status == Order.Status.PROVISIONED

    if name == "laptop":
        _console_lists_show_every_column(page, width, live_server)


def _console_lists_show_every_column(page, width: int, live_server) -> None:
    with DB_LOCK:
        operator = StaffFactory(email="ops@example.com")
    page.context.clear_cookies()
    login(page.context, operator, live_server)
    for url in ("/admin/billing/order/", "/admin/proxies/poolkey/"):
        page.goto(url)
        headers = page.locator("#result_list thead th")
        expect(headers.first).to_be_visible()
        for index in range(headers.count()):
            box = headers.nth(index).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, (url, index, box)
        _fits(page, width)
        assert page.locator("#result_list tbody tr").count() >= 1


def test_an_invalid_field_shows_its_error_at_the_field_and_blanks_the_outputs(screen):
    name, page, live_server = screen
    ensure_plans()
    _sign_up_and_pay(page, f"invalid.field.{name}@example.com", SCREENS[name]["width"])
    expect(page.locator("#builder-form")).to_be_visible()
    _type_an_invalid_carrier(page)

    field = page.locator("#id_carrier").locator("xpath=ancestor::*[contains(@class, 'field')][1]")
    expect(field.locator(".field-error:not([hidden])")).to_be_visible(timeout=2_000)
    expect(page.locator("#out-url")).to_have_text("", timeout=2_000)
    for button in page.locator("#builder button[data-copy]").all():
        if button.is_visible():
            expect(button).to_be_disabled()
