"""A sandbox purchase end to end in a real browser (Debian's Chromium through Playwright, against
pytest-django's live_server): sign up, buy from the pricing section, pay on the test-payment
page, and watch the order status page turn into "your proxy is ready"."""

import os
import re
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from apps.billing.models import Order, Plan
from apps.proxies.models import PoolKey

from .support import upstream_keys

CHROMIUM = Path("/usr/bin/chromium")
PASSWORD = "a-Long-and-unusual-passphrase-42"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's Chromium at /usr/bin/chromium"),
]

# Playwright's sync API runs an event loop on this thread; the test still uses the ORM directly.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _file_based_sqlite() -> None:
    """The live server runs on another thread: with SQLite it needs a file database (each thread its
    own connection) rather than the shared in-memory one. Set before the test database exists."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3") and not db.get("TEST", {}).get("NAME"):
        db.setdefault("TEST", {})["NAME"] = str(Path(tempfile.mkdtemp(prefix="storefront-billing-")) / "test.sqlite3")


_file_based_sqlite()


@pytest.fixture
def page(live_server, settings):
    from playwright.sync_api import sync_playwright

    settings.SITE_URL = live_server.url
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-background-networking"]
        )
        context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(20_000)
        page = context.new_page()
        page.csp_violations = []
        page.on(
            "console",
            lambda msg: page.csp_violations.append(msg.text) if "Content Security Policy" in msg.text else None,
        )
        yield page
        page.goto("about:blank")  # stop any polling before the server goes away
        context.close()
        browser.close()
        # ORM calls made while Playwright's loop ran used connections of their own: close them, or
        # PostgreSQL cannot drop the test database.
        from django.db import connections

        connections.close_all()


def test_sandbox_purchase_end_to_end(page):
    from playwright.sync_api import expect

    Plan.objects.get_or_create(
        slug="starter",
        defaults={"name": "Starter", "gb": Decimal("5"), "price": Decimal("35.00"), "validity_days": 30},
    )

    # Sign up.
    page.goto("/accounts/signup/")
    page.fill("input[name=email]", "buyer@example.com")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()

    # Buy from the pricing section of the landing page.
    page.goto("/#pricing")
    expect(page.locator("#pricing")).to_contain_text("$7.00 per GB")
    page.locator("#pricing").get_by_role("button", name="Buy Starter").click()

    # The clearly marked test-payment page.
    expect(page.get_by_text("TEST PAYMENT", exact=True)).to_be_visible()
    order = Order.objects.get(customer__email="buyer@example.com")
    assert order.status == Order.Status.PENDING
    page.get_by_role("button", name=re.compile(r"^Pay \$35")).click()

    # Back on the shop: the status page says the proxy is ready and links the dashboard.
    expect(page).to_have_url(re.compile(rf"/billing/orders/{order.public_id}/status/"))
    status = page.locator("#order-status")
    expect(status).to_contain_text("Your proxy is ready")
    expect(status.get_by_role("link", name="Go to your dashboard")).to_be_visible()

    order.refresh_from_db()
    assert order.status == Order.Status.PROVISIONED
    key = PoolKey.objects.get(customer__email="buyer@example.com")
    assert [k.traffic_cap_gb for k in upstream_keys()] == [Decimal("5")]

    # The dashboard (a later issue) shows the key once it exists.
    response = page.goto("/dashboard/")
    if response is not None and response.status != 404:
        assert response.status == 200
        expect(page.locator("main")).to_contain_text(key.secret_hint)
    assert page.csp_violations == []


def test_sign_up_for_a_plan_pay_later_and_the_order_history(page, settings):
    """Issue 15 as a new customer sees it: "Sign up to buy" comes back to that plan's checkout with
    the messages in view; "pay later" shows the real waiting state before the payment clears;
    orders show date and time, a receipt only when paid, and "Continue payment" while open."""
    from datetime import timedelta

    from django.utils import timezone
    from playwright.sync_api import expect

    from apps.sandbox.payments.checkout import sandbox_payments_settle

    settings.SANDBOX_PAYMENTS_SETTLE_SECONDS = 5
    Plan.objects.get_or_create(
        slug="starter",
        defaults={"name": "Starter", "gb": Decimal("5"), "price": Decimal("35.00"), "validity_days": 30},
    )

    page.goto("/#pricing")
    page.locator("#pricing").get_by_role("link", name="Sign up to buy").first.click()
    page.fill("input[name=email]", "planner@example.com")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.locator("main form button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/billing/checkout/starter/$"))
    expect(page.get_by_role("heading", name="Buy Starter")).to_be_visible()
    expect(page.locator(".messages")).to_be_visible()
    page.get_by_role("button", name="Continue to payment").click()

    expect(page.get_by_text("TEST PAYMENT", exact=True)).to_be_visible()
    page.get_by_role("button", name="Pay later, then succeed").click()
    status = page.locator("#order-status")
    expect(status).to_contain_text("Waiting for your payment to clear")
    with_time = timezone.now() + timedelta(seconds=6)
    assert len(sandbox_payments_settle(now=with_time)) == 1
    expect(status).to_contain_text("Your proxy is ready", timeout=30_000)  # the page polls every 5 s

    # A checkout left with "Cancel and go back" closes; one left open can be resumed.
    page.goto("/billing/checkout/starter/")
    page.get_by_role("button", name="Continue to payment").click()
    page.get_by_role("button", name="Cancel and go back").click()
    expect(page.locator(".messages")).to_contain_text("Checkout cancelled")
    page.goto("/billing/checkout/starter/")
    page.get_by_role("button", name="Continue to payment").click()
    expect(page.get_by_text("TEST PAYMENT", exact=True)).to_be_visible()

    page.goto("/dashboard/orders/")
    rows = page.locator(".orders-table tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Awaiting payment")
    expect(rows.nth(0)).to_contain_text("UTC")  # date and time
    expect(rows.nth(1)).to_contain_text("Not completed")
    expect(rows.nth(1).get_by_role("link", name=re.compile("^Order summary"))).to_be_visible()
    expect(rows.nth(2).get_by_role("link", name=re.compile("^Receipt"))).to_be_visible()
    rows.nth(0).get_by_role("button", name=re.compile("^Continue payment")).click()
    expect(page.get_by_text("TEST PAYMENT", exact=True)).to_be_visible()
    assert page.csp_violations == []
