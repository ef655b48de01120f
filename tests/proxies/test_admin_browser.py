"""The console in Debian's Chromium: the overview and a key page render under the strict CSP
(no violation reported), the chart is drawn, and an action runs end to end from the key page.
With STOREFRONT_SCREENSHOTS=1 the pages are also saved to docs/screenshots/ for the operator
guide. Skipped where /usr/bin/chromium is missing."""

import os
import random
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from apps.proxies.models import PoolKey, PoolKeyUsageSample
from apps.sandbox.upstream.models import SandboxKey
from tests.billing.factories import OrderFactory, PaymentFactory
from tests.browser.conftest import CHROMIUM, DB_LOCK, _serialized, login
from tests.factories import StaffFactory, UserFactory

from .console_support import mint

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium"),
]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def page(live_server, transactional_db, settings):
    from django.db import connections
    from playwright.sync_api import sync_playwright

    settings.PROXIES_SX_MAX_ATTEMPTS = 1
    httpd = live_server.thread.httpd
    if not getattr(httpd.get_app(), "serialized", False):
        httpd.set_app(_serialized(httpd.get_app()))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-background-networking"]
        )
        context = browser.new_context(base_url=live_server.url, viewport={"width": 1360, "height": 1000})
        violations: list[str] = []
        context.on(
            "console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None
        )
        with DB_LOCK:
            operator = StaffFactory(email="ops@example.com")
        login(context, operator, live_server)
        tab = context.new_page()
        tab.csp_violations = violations
        tab.live_server = live_server
        yield tab
        context.close()
        browser.close()
        connections.close_all()


def _history(key: PoolKey, rng: random.Random) -> None:
    """30 days of readings ending at the key's current usage."""
    today = timezone.now().date()
    daily = [Decimal(rng.randint(20, 380)) for _ in range(30)]
    counter = Decimal(key.used_mb) - sum(daily)
    counter = max(counter, Decimal(0))
    PoolKey.objects.filter(pk=key.pk).update(created_at=timezone.now() - timedelta(days=40))
    for offset, used in enumerate(daily):
        day = today - timedelta(days=29 - offset)
        moment = timezone.now() - timedelta(days=29 - offset)
        PoolKeyUsageSample.objects.create(
            pool_key=key,
            day=day,
            first_used_mb=counter,
            last_used_mb=counter + used,
            first_sampled_at=moment,
            last_sampled_at=moment,
        )
        counter += used


def _shop() -> PoolKey:
    rng = random.Random(6)
    keys = []
    for n, (email, used_gb, cap) in enumerate(
        [
            ("maria@example.com", "8.6", 10),
            ("jonas@example.com", "3.1", 25),
            ("li@example.com", "24.2", 25),
            ("sam@example.com", "41", 100),
        ]
    ):
        customer = UserFactory(email=email)
        key = mint(customer, cap_gb=Decimal(cap), expires_at=timezone.now() + timedelta(days=5 + n * 9))
        used = Decimal(used_gb) * 1024
        SandboxKey.objects.filter(public_id=key.upstream_id).update(traffic_used_mb=used)
        PoolKey.objects.filter(pk=key.pk).update(used_mb=used, last_used_at=timezone.now() - timedelta(minutes=n * 7))
        key.refresh_from_db()
        _history(key, rng)
        order = OrderFactory(
            customer=customer,
            status="provisioned",
            fulfilment_ref=str(key.pk),
            paid_at=timezone.now() - timedelta(days=n + 1),
            price=Decimal(35 if cap == 10 else 150 if cap == 25 else 500),
            gb=Decimal(cap),
        )
        PaymentFactory(order=order, confirmed=True)
        keys.append(key)
    return keys[0]


def test_overview_and_key_page_render_under_the_csp_and_an_action_runs(page):
    with DB_LOCK:
        key = _shop()

    page.goto("/admin/overview/")
    page.wait_for_selector("#ov-customers")
    assert page.locator("#ov-customers").inner_text().startswith("4")
    if os.environ.get("STOREFRONT_SCREENSHOTS"):
        OUT.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(OUT / "console-overview.png"), full_page=True)

    page.goto(f"/admin/proxies/poolkey/{key.pk}/change/")
    page.wait_for_selector(".usage-chart svg rect")
    assert page.locator(".usage-chart svg rect").count() == 30
    if os.environ.get("STOREFRONT_SCREENSHOTS"):
        page.screenshot(path=str(OUT / "console-key.png"), full_page=True)

    page.get_by_label("Action", exact=True).select_option("grant_gb")
    page.get_by_role("button", name="Continue…").click()
    page.get_by_label("GB to add").fill("5")
    page.get_by_label("Reason").fill("goodwill after an outage")
    page.get_by_role("button", name="Grant GB (manual top-up): confirm for 1 key").click()
    page.wait_for_selector(".messagelist .success")
    assert "cap now 15.00 GB" in page.locator(".messagelist .success").inner_text()

    page.goto("/admin/proxies/poolkey/?status=near_cap")
    assert page.locator("#result_list tbody tr").count() == 1  # li@ at 97 %; maria@ is back under 80 %

    assert page.csp_violations == []


@pytest.mark.skipif(not os.environ.get("STOREFRONT_CONSOLE_SHOTS_DIR"), reason="manual look at more console pages")
def test_more_console_pages_for_a_manual_look(page):
    out = Path(os.environ["STOREFRONT_CONSOLE_SHOTS_DIR"])
    with DB_LOCK:
        key = _shop()
    page.goto(f"/admin/accounts/user/{key.customer_id}/view-as-customer/")
    page.screenshot(path=str(out / "view-as.png"), full_page=True)
    page.goto(f"/admin/accounts/user/{key.customer_id}/change/")
    page.screenshot(path=str(out / "customer.png"), full_page=True)
    page.goto(f"/admin/proxies/poolkey/{key.pk}/change/")
    page.get_by_label("Action", exact=True).select_option("delete_keys")
    page.get_by_role("button", name="Continue…").click()
    page.screenshot(path=str(out / "delete.png"), full_page=True)
    page.goto(f"/admin/proxies/poolkey/{key.pk}/upstream-audit/")
    page.screenshot(path=str(out / "upstream-audit.png"), full_page=True)
    page.goto("/admin/proxies/poolkey/")
    page.screenshot(path=str(out / "list.png"), full_page=True)
    login(page.context, key.customer, page.live_server)
    page.goto("/dashboard/")
    page.locator("#history").screenshot(path=str(out / "dashboard-history.png"))
    assert page.csp_violations == []
