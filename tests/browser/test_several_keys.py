"""Several keys in a real browser (issue 11): a customer with a key buys twice choosing "A new
key", switches between the keys, and builds a URL for the second one; a key the shop holds
disabled is explained and offers no "Buy more GB" (issue 15 item 4)."""

import re
from decimal import Decimal

from playwright.sync_api import expect

from apps.proxies.models import PoolKey
from apps.proxies.urlgrammar import ProxyOptions, build_proxy_url
from tests.browser.conftest import DB_LOCK, buy_new_key, ensure_plans, login
from tests.factories import UserFactory
from tests.proxies.support import mint_key


def test_buy_two_new_keys_switch_and_build_a_url_for_the_second(live_server, browser_context, csp_violations):
    ensure_plans()
    with DB_LOCK:
        user = UserFactory(email="many@example.com")
        first = mint_key(user, cap_gb=Decimal(10))
        PoolKey.objects.filter(pk=first.pk).update(label="Original")
    login(browser_context, user, live_server)
    page = browser_context.new_page()

    page.goto("/dashboard/")
    buy_new_key(page)
    page.goto("/dashboard/")
    buy_new_key(page)

    with DB_LOCK:
        keys = list(PoolKey.objects.filter(customer=user).order_by("pk"))
    assert len(keys) == 3
    assert [k.cap_gb for k in keys] == [Decimal(10), Decimal(5), Decimal(5)]
    second = keys[1]

    # The switcher lists the three; the newest is shown, a click switches to the second.
    page.goto("/dashboard/")
    switcher = page.locator("#keys")
    expect(switcher.locator(".key-link")).to_have_count(3)
    expect(switcher.locator(f'[data-key-id="{keys[2].pk}"]')).to_have_attribute("aria-current", "page")
    switcher.locator(f'[data-key-id="{second.pk}"]').click()
    expect(page).to_have_url(re.compile(rf"/dashboard/\?key={second.pk}$"))
    expect(switcher.locator(f'[data-key-id="{second.pk}"]')).to_have_attribute("aria-current", "page")
    expect(page.locator("#secret-value")).to_have_text(second.secret_hint)

    # Build a URL for the second key: its own session tag and secret hint.
    page.select_option("#id_country", "de")
    url_box = page.locator("#out-url")
    expect(url_box).to_contain_text(f"-sid-{second.session_tag}_")
    sid_part = page.input_value("#id_sid_part")
    expected = build_proxy_url(
        secret="pak_0masked0secret0",
        options=ProxyOptions(country="de", sid=f"{second.session_tag}_{sid_part}", rotation="sticky"),
    )
    assert url_box.inner_text() == expected.url.replace("pak_0masked0secret0", second.secret_hint)

    # Rename it from its page; the switcher shows the new name.
    page.fill("#rename-label", "Second project")
    page.locator("#rename-form button").click()
    expect(switcher.locator(f'[data-key-id="{second.pk}"]')).to_contain_text("Second project")
    assert csp_violations == []


def test_a_held_key_explains_why_and_sells_no_traffic_into_it(live_server, browser_context):
    ensure_plans()
    with DB_LOCK:
        user = UserFactory(email="held@example.com")
        key = mint_key(user, cap_gb=Decimal(10))
        PoolKey.objects.filter(pk=key.pk).update(enabled=False, disabled_by_operator=True)
    login(browser_context, user, live_server)
    page = browser_context.new_page()

    page.goto("/dashboard/")

    expect(page.get_by_role("heading", name="Your proxy is switched off")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Our team switched this key off")
    expect(page.get_by_role("link", name="Buy more GB")).to_have_count(0)
    target = page.locator("#buy select[name=target]").first
    expect(target.locator("option")).to_have_count(1)
    expect(target).to_have_value("new")
