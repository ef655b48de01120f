"""Screenshots of the dashboard's main states for the README, written to docs/screenshots/.
Not part of the normal run: `scripts/screenshots` sets STOREFRONT_SCREENSHOTS=1 and runs this."""

import os
import random
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import timezone
from playwright.sync_api import expect

from apps.billing.models import Order, Plan
from apps.proxies.models import PoolKey
from apps.proxies.services import feeds
from apps.sandbox.upstream.faults import faults_configure
from apps.sandbox.upstream.models import SandboxKey
from apps.sandbox.upstream.services import sandbox_incident_open
from tests.browser.conftest import DB_LOCK, ensure_plans, login
from tests.factories import UserFactory
from tests.proxies.support import make_order, mint_key, open_session

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
pytestmark = pytest.mark.skipif(
    not os.environ.get("STOREFRONT_SCREENSHOTS"), reason="writes docs/screenshots; run scripts/screenshots"
)


def _customer(email: str):
    return UserFactory(email=email)


def _use(key: PoolKey, *, percent: float | None = None, used_gb: float | None = None, **fields) -> PoolKey:
    """Usage on both sides (sandbox and mirror), so a refresh shows the same figures."""
    gb = Decimal(str(used_gb if used_gb is not None else float(key.cap_gb) * percent / 100))
    used_mb = gb * 1024
    SandboxKey.objects.filter(public_id=key.upstream_id).update(
        traffic_used_mb=used_mb, **{k: v for k, v in fields.items() if k in {"enabled", "expires_at", "last_used_at"}}
    )
    PoolKey.objects.filter(pk=key.pk).update(used_mb=used_mb, last_synced_at=timezone.now(), **fields)
    key.refresh_from_db()
    return key


def _warm_feeds() -> None:
    feeds.stock_feed(fetch=True)
    feeds.incidents_feed(fetch=True)
    feeds.sessions_feed(fetch=True, force=True)


@pytest.fixture
def shoot(chromium, serialized_live_server):
    live_server = serialized_live_server
    OUT.mkdir(parents=True, exist_ok=True)
    contexts = []

    def open_as(user, *, phone: bool = False, path: str = "/dashboard/"):
        while contexts:  # one live page at a time: its htmx polling must not outlive its shot
            contexts.pop().close()
        viewport = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
        context = chromium.new_context(
            base_url=live_server.url, viewport=viewport, device_scale_factor=1, is_mobile=phone, has_touch=phone
        )
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
        contexts.append(context)
        login(context, user, live_server)
        page = context.new_page()
        page.goto(path)
        page.wait_for_load_state("networkidle")
        # Element shots scroll the page: sticky bars would be drawn across the middle of them.
        page.evaluate(
            "() => document.querySelectorAll('.site-header, .dash-tabs').forEach(e => e.style.position = 'static')"
        )
        return page

    yield open_as
    for context in contexts:
        context.close()


def test_screenshots(shoot):
    ensure_plans()
    with DB_LOCK:
        plan = Plan.objects.get(slug="pro")
        sandbox_incident_open(
            severity="minor",
            title="Slower connections in Brazil (residential)",
            description="Some residential endpoints in BR answer slowly; we are on it.",
            affects=["peer:br"],
        )
        new = _customer("new@example.com")

    # No key yet: plans.
    shoot(new).screenshot(path=OUT / "dashboard-no-key.png", full_page=True)

    # Paid, key being prepared.
    with DB_LOCK:
        waiting = _customer("waiting@example.com")
        make_order(waiting, status=Order.Status.PAID, plan=plan)
    shoot(waiting).screenshot(path=OUT / "dashboard-preparing.png")

    # Active, with usage, sessions, stock, an incident and orders.
    with DB_LOCK:
        active = _customer("alice@example.com")
        key = mint_key(active, cap_gb=Decimal(25))
        order = make_order(active, status=Order.Status.PROVISIONED, plan=plan, fulfilment_ref=str(key.pk))
        _use(key, percent=42, last_used_at=timezone.now() - timedelta(minutes=3))
        rng = random.Random(3)
        for part, country in (("scraper01", "us"), ("scraper02", "de"), ("checkout", "gb"), ("bot07", "us")):
            open_session(key, part, country=country)
        for _ in range(2):
            open_session(key, f"x{rng.randint(0, 99)}", synthesized=True)
        _warm_feeds()
    page = shoot(active)
    page.screenshot(path=OUT / "dashboard-active.png", full_page=True)
    page.locator("#overview").screenshot(path=OUT / "dashboard-overview.png")

    page.select_option("#id_country", "de")
    page.locator("label.choice", has_text="Every 10 minutes").click()
    page.click("#reveal-button")
    expect(page.locator("#hide-button")).to_be_visible()
    page.locator("button[data-copy=url]").click()
    page.locator("#builder").screenshot(path=OUT / "dashboard-builder.png")

    page.fill("#id_bulk-count", "50")
    page.select_option("#id_bulk-country", "us")
    page.click("#bulk-generate")
    page.locator("#bulk").screenshot(path=OUT / "dashboard-bulk.png")
    page.locator("#sessions").screenshot(path=OUT / "dashboard-sessions.png")
    page.locator("#stock").screenshot(path=OUT / "dashboard-stock.png")
    page.locator("#help").screenshot(path=OUT / "dashboard-getting-started.png")

    page = shoot(active, phone=True)
    page.screenshot(path=OUT / "dashboard-phone.png")
    page.locator("#builder").screenshot(path=OUT / "dashboard-phone-builder.png")

    shoot(active, path=f"/dashboard/orders/{order.public_id}/").screenshot(path=OUT / "order-receipt.png")
    shoot(active, path=f"/dashboard/keys/{key.pk}/regenerate/").screenshot(path=OUT / "regenerate-confirm.png")

    # Usage levels and the states that need the customer to act.
    for name, percent, fields in (
        ("dashboard-warning", 86, {"expires_at": timezone.now() + timedelta(days=4)}),
        ("dashboard-critical", 97, {}),
    ):
        with DB_LOCK:
            user = _customer(f"{name}@example.com")
            _use(mint_key(user), percent=percent, **fields)
        shoot(user).locator("#overview").screenshot(path=OUT / f"{name}.png")

    for name, percent, fields in (
        ("dashboard-suspended", 100, {"enabled": False}),
        ("dashboard-expired", 30, {"expires_at": timezone.now() - timedelta(days=2)}),
        ("dashboard-disabled", 12, {"enabled": False, "disabled_by_operator": True}),
    ):
        with DB_LOCK:
            user = _customer(f"{name}@example.com")
            _use(mint_key(user), percent=percent, **fields)
        shoot(user).screenshot(path=OUT / f"{name}.png")

    # The upstream is down: the page still renders, usage "as of".
    with DB_LOCK:
        degraded = _customer("degraded@example.com")
        key = _use(mint_key(degraded), percent=55)
        PoolKey.objects.filter(pk=key.pk).update(last_synced_at=timezone.now() - timedelta(hours=2))
        faults_configure(error_rate=1.0, error_statuses=[503])
        cache.clear()
    shoot(degraded).locator("#overview").screenshot(path=OUT / "dashboard-degraded.png")
