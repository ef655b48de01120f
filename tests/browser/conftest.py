"""Playwright in Debian's Chromium (never a downloaded browser), against pytest-django's
live_server, with the sandbox upstream and sandbox payments. Tests here are marked `browser`
and skipped, with the reason, where /usr/bin/chromium is missing (`apt-get install chromium`)."""

import os
import threading
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# Playwright's sync API runs an event loop in this thread; the tests still use the ORM directly.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


# With an in-memory SQLite test database the live server's thread and the test's thread share
# one connection, and a write from one while the other is mid-query fails ("database table is
# locked"). So requests to the live server and the test's own database work take turns: the
# server runs each request under DB_LOCK, and tests wrap their ORM calls in `with DB_LOCK:`.
# Never hold it across a browser action (the server would wait for it: a deadlock until timeout).
DB_LOCK = threading.RLock()


def _serialized(app):
    def serialized_app(environ, start_response):
        with DB_LOCK:
            result = app(environ, start_response)
            try:
                body = b"".join(result)
            finally:
                if hasattr(result, "close"):
                    result.close()
        return [body]

    serialized_app.serialized = True
    return serialized_app


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)
            if not CHROMIUM.exists():
                item.add_marker(pytest.mark.skip(reason="needs Debian's Chromium at /usr/bin/chromium"))


@pytest.fixture
def chromium():
    """Per test, not per session: while Playwright's sync API is running it keeps an event loop
    in this thread, and Django's per-thread connections behave differently under a running loop
    (later, unrelated tests would find a fresh, unconnected database wrapper)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-background-networking"]
        )
        yield browser
        browser.close()
        # ORM calls made while the loop ran used connections of their own; close them here, in
        # the same context, or they stay open (and PostgreSQL cannot drop the test database).
        from django.db import connections

        connections.close_all()


@pytest.fixture
def serialized_live_server(live_server):
    httpd = live_server.thread.httpd
    if not getattr(httpd.get_app(), "serialized", False):
        httpd.set_app(_serialized(httpd.get_app()))
    return live_server


@pytest.fixture
def browser_context(chromium, serialized_live_server):
    live_server = serialized_live_server
    context = chromium.new_context(
        base_url=live_server.url,
        viewport={"width": 1280, "height": 900},
        accept_downloads=True,
    )
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    yield context
    context.close()


@pytest.fixture
def csp_violations(browser_context):
    """Every CSP violation any page reports (a strict CSP must hold on every page we walk)."""
    violations: list[str] = []
    browser_context.on(
        "console",
        lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return violations


@pytest.fixture(autouse=True)
def _sandbox_upstream(transactional_db, settings):
    """One attempt per upstream call (no real back-off sleeps) and no faults left over."""
    from apps.sandbox.upstream.faults import faults_clear

    settings.PROXIES_SX_MAX_ATTEMPTS = 1
    with DB_LOCK:
        faults_clear()
    yield
    with DB_LOCK:
        faults_clear()


def login(context, user, live_server) -> None:
    """Logs `user` in for the browser context through Django's test client (no form filling)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    with DB_LOCK:
        client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])


def ensure_plans():
    """Transactional tests flush the data migration's plans; put the defaults back."""
    from apps.billing.models import Plan

    with DB_LOCK:
        _ensure_plans(Plan)


def _ensure_plans(Plan) -> None:
    from decimal import Decimal

    for order, (slug, name, gb, price, highlighted) in enumerate(
        [("starter", "Starter", 5, 35, False), ("pro", "Pro", 25, 150, True), ("scale", "Scale", 100, 500, False)]
    ):
        Plan.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "gb": Decimal(gb),
                "price": Decimal(price),
                "currency": "usd",
                "validity_days": 30,
                "sort_order": order,
                "highlighted": highlighted,
            },
        )


def ensure_port_plans():
    """Transactional tests flush the data migration's port plans; put the shared one back."""
    from decimal import Decimal

    from apps.billing.models import Plan
    from apps.ports.models import PortPlan

    with DB_LOCK:
        Plan.objects.get_or_create(
            slug="port-shared-30d",
            defaults={
                "name": "Shared mobile port",
                "product_kind": "dedicated_port",
                "gb": Decimal(1),
                "price": Decimal("60.00"),
                "currency": "usd",
                "validity_days": 30,
            },
        )
        PortPlan.objects.get_or_create(plan_slug="port-shared-30d", defaults={"sharing": "shared", "period_days": 30})


@pytest.fixture
def customer_with_key(transactional_db):
    """A customer with an active key minted in the sandbox (10 GB, 30 days)."""
    from tests.factories import UserFactory
    from tests.proxies.support import mint_key

    with DB_LOCK:
        return mint_key(UserFactory())


def buy_new_key(page) -> None:
    """On the dashboard: buy the Starter plan into a new key, paid on the sandbox's checkout page."""
    import re

    from playwright.sync_api import expect

    page.locator("#buy select[name=target]").select_option("new")  # one "For" choice for every plan
    starter = page.locator("#buy article", has=page.get_by_role("heading", name="Starter"))
    starter.get_by_role("button", name="Buy Starter").click()
    expect(page.get_by_text("TEST PAYMENT", exact=True)).to_be_visible()
    page.get_by_role("button", name=re.compile(r"^Pay \$35")).click()
    expect(page.locator("#order-status")).to_contain_text("Your proxy is ready")
