"""The URL builder in a real browser (issue 15 item 5) and the dashboard's width with several
keys (issue 17): an invalid field is explained at the field, nothing stale can be copied, and
the page never scrolls sideways on a laptop or a phone."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DB_LOCK, login
from tests.factories import UserFactory
from tests.proxies.support import mint_key


def test_an_invalid_field_blanks_the_outputs_until_it_is_fixed(
    live_server, browser_context, customer_with_key, csp_violations
):
    login(browser_context, customer_with_key.customer, live_server)
    page = browser_context.new_page()
    page.goto("/dashboard/")
    url_box = page.locator("#out-url")
    copy = page.locator('#builder button[data-copy="url"]')
    expect(url_box).to_contain_text("http://")

    page.fill("#id_city", "new-york")
    error = page.locator('[data-error-for="city"]')
    expect(error).to_be_visible()
    expect(error).to_contain_text("only letters, digits and '_'")
    expect(page.locator("#id_city")).to_have_attribute("aria-invalid", "true")
    expect(url_box).to_have_text("")
    expect(copy).to_be_disabled()

    page.fill("#id_city", "new_york")
    expect(error).to_be_hidden()
    expect(url_box).to_contain_text("-city-new_york-")
    expect(copy).to_be_enabled()

    # Residential has no carriers; per-request rotation makes the session id moot.
    page.locator("input[name=pool][value=peer]").check(force=True)
    expect(page.locator("#carrier-field")).to_be_hidden()
    page.locator("input[name=rotation][value=hard]").check(force=True)
    expect(page.locator("#sid-no-effect")).to_be_visible()
    assert csp_violations == []


@pytest.mark.parametrize("width", [1366, 390])
def test_the_dashboard_with_several_keys_never_scrolls_sideways(live_server, browser_context, width):
    with DB_LOCK:
        user = UserFactory(email=f"wide{width}@example.com")
        for _ in range(4):
            mint_key(user, cap_gb=Decimal(5))
    login(browser_context, user, live_server)
    page = browser_context.new_page()
    page.set_viewport_size({"width": width, "height": 900})
    page.goto("/dashboard/")
    expect(page.locator("#keys .key-link")).to_have_count(4)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
