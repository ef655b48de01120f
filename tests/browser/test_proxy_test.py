""" "Test my proxy" in a real browser against the sandbox gateway: the Test button passes and shows
the exit; after a regenerate, the old secret pasted into a proxy client fails with the 407
explanation, and a test of a key over its cap says so."""

import httpx
import pytest
from playwright.sync_api import expect

from apps.proxies.services import pool_key_reveal
from apps.sandbox.gateway.server import gateway_in_thread
from apps.sandbox.upstream.models import SandboxKey
from tests.browser.conftest import DB_LOCK, login
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
    with DB_LOCK:
        customer = UserFactory()
        key = mint_key(customer)
        old_secret = pool_key_reveal(key=key, actor=customer)
    login(browser_context, customer, live_server)
    page = browser_context.new_page()
    page.goto("/dashboard/")

    page.fill("#proxy-test input[name=username]", "psx_sandbox-mbl-us-sid-browser1")
    page.click("#proxy-test-button")
    result = page.locator("#proxy-test-results li").first
    expect(result).to_contain_text("Passed", timeout=15000)
    expect(result).to_contain_text("country US")
    expect(result).to_contain_text("sid=browser1")

    page.goto(f"/dashboard/keys/{key.pk}/regenerate/")
    page.check("#id_confirm")
    page.click("#regenerate-confirm")
    expect(page.get_by_text("Your old secret stopped working")).to_be_visible()

    old_url = f"http://psx_sandbox-mbl-us:{old_secret}@127.0.0.1:{gateway.ports.http}"
    with httpx.Client(proxy=old_url, timeout=10) as client:
        refused = client.get(f"http://127.0.0.1:{gateway.ports.echo}/")
    assert refused.status_code == 407
    assert "it is wrong, or it was regenerated" in refused.text

    with DB_LOCK:
        SandboxKey.objects.filter(public_id=key.upstream_id).update(traffic_used_mb=20 * 1024)
    page.goto("/dashboard/")
    page.click("#proxy-test-button")
    expect(page.locator("#proxy-test-results li").first).to_contain_text("used all of its traffic", timeout=15000)
    assert csp_violations == []
