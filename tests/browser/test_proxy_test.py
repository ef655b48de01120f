""" "Test my proxy" in a real browser against the sandbox gateway: a customer buys two new keys,
switches to the second, builds a URL for it and tests it (passes, shows the exit); after a
regenerate, the old secret pasted into a proxy client fails with the 407 explanation, and a test
of a key over its cap says so."""

import re

import httpx
import pytest
from playwright.sync_api import expect

from apps.proxies.models import PoolKey
from apps.proxies.services import pool_key_reveal
from apps.proxies.services.diagnostics import auth_cause
from apps.sandbox.gateway.server import gateway_in_thread
from apps.sandbox.upstream.models import SandboxKey
from tests.browser.conftest import DB_LOCK, buy_new_key, ensure_plans, login
from tests.factories import UserFactory
from tests.proxies.support import mint_key

pytestmark = pytest.mark.postgres  # the gateway's thread needs its own database connection


@pytest.fixture
def gateway(settings):
    with gateway_in_thread() as running:
        settings.PROXIES_SX_GATEWAY_HOST = "127.0.0.1"
        settings.PROXIES_SX_GATEWAY_PORTS = {"http": running.ports.http, "socks5": running.ports.socks5}
        settings.PROXY_TEST_URL = f"http://127.0.0.1:{running.ports.echo}/"
        yield running


def test_the_test_button_passes_then_explains_a_regenerated_secret(
    live_server, browser_context, csp_violations, gateway
):
    ensure_plans()
    with DB_LOCK:
        customer = UserFactory()
        mint_key(customer)
    login(browser_context, customer, live_server)
    page = browser_context.new_page()
    page.goto("/dashboard/")
    buy_new_key(page)
    page.goto("/dashboard/")
    buy_new_key(page)
    with DB_LOCK:
        key = list(PoolKey.objects.filter(customer=customer).order_by("pk"))[1]  # the first one bought
        old_secret = pool_key_reveal(key=key, actor=customer)

    # Switch to it, build a URL for Germany, and test that username through the gateway.
    page.goto("/dashboard/")
    page.locator(f'#keys [data-key-id="{key.pk}"]').click()
    expect(page).to_have_url(re.compile(rf"/dashboard/\?key={key.pk}$"))
    page.select_option("#id_country", "de")
    expect(page.locator("#out-url")).to_contain_text(f"-sid-{key.session_tag}_")
    username = page.locator("#out-url").inner_text().split("://", 1)[1].split(":", 1)[0]
    page.fill("#proxy-test input[name=username]", username)
    page.click("#proxy-test-button")
    result = page.locator("#proxy-test-results li").first
    expect(result).to_contain_text("Passed", timeout=15000)
    expect(result).to_contain_text("country DE")
    expect(result).to_contain_text(f"sid={key.session_tag}_")

    page.goto(f"/dashboard/keys/{key.pk}/regenerate/")
    page.check("#id_confirm")
    page.click("#regenerate-confirm")
    expect(page.get_by_text("Your old secret stopped working")).to_be_visible()

    old_url = f"http://{username}:{old_secret}@127.0.0.1:{gateway.ports.http}"
    with httpx.Client(proxy=old_url, timeout=10) as client:
        refused = client.get(f"http://127.0.0.1:{gateway.ports.echo}/")
    assert refused.status_code == 407
    assert "it is wrong, or it was regenerated" in refused.text
    with DB_LOCK:  # what the diagnostics make of that refusal: the key's old secret
        explained = auth_cause(key=PoolKey.objects.get(pk=key.pk), secret=old_secret)
    assert explained.message.endswith("it is the key's old secret, from before it was regenerated.")

    with DB_LOCK:
        SandboxKey.objects.filter(public_id=key.upstream_id).update(traffic_used_mb=20 * 1024)
    page.goto(f"/dashboard/?key={key.pk}")
    page.click("#proxy-test-button")
    expect(page.locator("#proxy-test-results li").first).to_contain_text("used all of its traffic", timeout=15000)
    assert csp_violations == []
