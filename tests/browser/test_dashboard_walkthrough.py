"""A customer's first minutes, in a real browser: sign up, buy a plan in the sandbox checkout,
watch the key being prepared and then active, build and copy a URL, reveal and regenerate the
secret, generate and download 50 URLs, close a session, open a receipt."""

import json
import re
from pathlib import Path

from django.utils import timezone
from playwright.sync_api import expect

from apps.billing.models import Order
from apps.proxies.models import PoolKey
from apps.proxies.services import feeds
from apps.proxies.urlgrammar import ProxyOptions, build_proxy_url, parse_proxy_url
from apps.sandbox.upstream.faults import faults_add_rule, faults_clear
from apps.sandbox.upstream.models import SandboxSession
from apps.sandbox.upstream.services import sandbox_key_accepts
from tests.browser.conftest import DB_LOCK, ensure_plans
from tests.proxies.support import open_session

PASSWORD = "a-Long-and-unusual-passphrase-42"
VECTORS = Path(__file__).resolve().parents[1] / "proxies" / "vectors" / "proxy_urls.json"


def sandbox_secret(key: PoolKey) -> str:
    from apps.proxies.services.client import upstream_client

    return upstream_client().reveal_key(key.upstream_id).secret


def test_customer_walkthrough(live_server, browser_context, csp_violations):
    ensure_plans()
    page = browser_context.new_page()

    # Sign up.
    page.goto("/accounts/signup/")
    page.fill("input[name=email]", "walker@example.com")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.goto("/dashboard/")
    expect(page.get_by_role("heading", name="Get your first proxy")).to_be_visible()

    # Buy a plan. The upstream refuses the first mint, so the key is "being prepared" for a while.
    with DB_LOCK:
        faults_add_rule(status=503, path="/reseller/pool-keys", method="POST", times=None)
    page.get_by_role("button", name="Buy Starter").first.click()
    expect(page.get_by_text("TEST PAYMENT", exact=True)).to_be_visible()
    page.get_by_role("button", name=re.compile(r"^Pay \$35")).click()
    page.goto("/dashboard/")
    expect(page.get_by_role("heading", name="Payment received — preparing your proxy")).to_be_visible()
    with DB_LOCK:
        assert not PoolKey.objects.exists()

    # The upstream recovers and the retry is due: the polling panel heals the order and the page
    # reloads itself onto the active key.
    with DB_LOCK:
        faults_clear()
        orders = Order.objects.filter(customer__email="walker@example.com")
        orders.update(provisioning_next_attempt_at=timezone.now())
    expect(page.locator("#builder-form")).to_be_visible(timeout=20_000)
    expect(page.locator("#key-status")).to_have_text("Active")
    with DB_LOCK:
        key = PoolKey.objects.get(customer__email="walker@example.com")
        secret = sandbox_secret(key)
    expect(page.locator("#secret-value")).to_have_text(key.secret_hint)

    # Change country and rotation: the URL changes as you go.
    url_box = page.locator("#out-url")
    before = url_box.inner_text()
    page.select_option("#id_country", "de")
    page.locator("label.choice", has_text="Every 10 minutes").click()
    expect(url_box).to_contain_text("-mbl-de-sid-")
    expect(url_box).to_contain_text("-rot-auto10")
    assert url_box.inner_text() != before
    assert secret not in url_box.inner_text()
    sid_part = page.input_value("#id_sid_part")
    expected = build_proxy_url(
        secret=secret, options=ProxyOptions(country="de", sid=f"{key.session_tag}_{sid_part}", rotation="auto10")
    )
    assert url_box.inner_text() == expected.url.replace(secret, key.secret_hint)

    # The random button picks a new session id.
    page.click("#random-sid")
    assert page.input_value("#id_sid_part") != sid_part
    sid_part = page.input_value("#id_sid_part")
    expected = build_proxy_url(
        secret=secret, options=ProxyOptions(country="de", sid=f"{key.session_tag}_{sid_part}", rotation="auto10")
    )

    # Copy it: the clipboard holds the real URL (read through the audited reveal).
    copy = page.locator("button[data-copy=url]")
    copy.click()
    expect(copy).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == expected.url
    page.locator("button[data-copy=curl]").click()
    assert page.evaluate("navigator.clipboard.readText()") == expected.formats()["curl"]

    # Reveal.
    page.click("#reveal-button")
    expect(page.locator("#secret-value")).to_have_text(secret)
    expect(url_box).to_have_text(expected.url)
    page.click("#hide-button")
    expect(page.locator("#secret-value")).to_have_text(key.secret_hint)

    # Regenerate, with a confirmation step; the old secret stops working.
    page.get_by_role("link", name="Regenerate secret…").click()
    expect(page.get_by_role("heading", name="Regenerate your secret?")).to_be_visible()
    page.check("#id_confirm")
    page.click("#regenerate-confirm")
    expect(page.get_by_text("Your old secret stopped working")).to_be_visible()
    assert "/dashboard/?key=" in page.url  # redirected after the POST: a reload does not post again
    new_secret = page.locator("#secret-value").inner_text()
    assert new_secret.startswith("pak_") and new_secret != secret
    with DB_LOCK:
        assert not sandbox_key_accepts(secret)
        assert sandbox_key_accepts(new_secret)
    expect(url_box).to_contain_text(new_secret)

    # Generate 50 URLs and download them.
    page.fill("#id_bulk-count", "50")
    page.select_option("#id_bulk-country", "us")
    page.click("#bulk-generate")
    expect(page.locator("#bulk-summary")).to_have_text("50 URLs")
    shown = page.input_value("#bulk-output").split()
    assert len(shown) == len(set(shown)) == 50
    with page.expect_download() as download:
        page.click("#bulk-txt")
    downloaded = Path(download.value.path()).read_text().split()
    assert downloaded == shown  # the page showed exactly what the file holds
    parsed = [parse_proxy_url(line) for line in downloaded]
    assert {p.secret for p in parsed} == {new_secret}
    assert len({p.options.sid for p in parsed}) == 50
    assert all(p.options.sid.startswith(f"{key.session_tag}_") and p.options.country == "us" for p in parsed)
    with page.expect_download() as download:
        page.click("#bulk-csv")
    assert len(Path(download.value.path()).read_text().splitlines()) == 51

    # A session opened with one of those URLs shows up; close it.
    with DB_LOCK:
        session = open_session(key, "walk01")
        feeds.sessions_feed_invalidate()
    page.goto("/dashboard/#sessions")
    page.reload()  # already on /dashboard/ (the regenerate redirected there): only a reload reads it again
    row = page.locator("#sessions-body tr", has_text=session.session_id)
    expect(row).to_be_visible()
    row.get_by_role("button", name=f"Close session {session.session_id}").click()
    expect(page.get_by_text(f"Session {session.session_id} closed.")).to_be_visible()
    expect(row).to_have_count(0)
    with DB_LOCK:
        assert not SandboxSession.objects.filter(session_key=session.session_key).exists()

    # Open the order's receipt.
    page.get_by_role("link", name=re.compile("^Receipt")).first.click()
    expect(page.get_by_role("heading", name="Receipt")).to_be_visible()
    with DB_LOCK:
        order = Order.objects.get(customer__email="walker@example.com")
    expect(page.get_by_text(str(order.public_id), exact=True)).to_be_visible()
    expect(page.locator(".receipt")).to_contain_text("$35.00")

    assert csp_violations == []


def test_browser_builder_reproduces_the_shared_vectors(live_server, browser_context, customer_with_key):
    """proxy-url.js, as the browser runs it on the dashboard, against the shared vectors."""
    from tests.browser.conftest import login

    login(browser_context, customer_with_key.customer, live_server)
    page = browser_context.new_page()
    page.goto("/dashboard/")
    vectors = json.loads(VECTORS.read_text())
    results = page.evaluate(
        """(vectors) => vectors.map((v) => {
            const p = ProxyUrl.build({reseller: v.reseller_username, secret: v.secret, host: v.host,
                                      port: v.port, options: v.options});
            return {username: p.username, url: p.url, formats: p.formats()};
        })""",
        vectors,
    )
    assert results == [v["expected"] for v in vectors]


def test_dashboard_works_with_keyboard_only(live_server, browser_context, customer_with_key):
    """Tab reaches the builder's controls, arrow keys change the rotation, Enter copies."""
    from tests.browser.conftest import login

    login(browser_context, customer_with_key.customer, live_server)
    page = browser_context.new_page()
    page.goto("/dashboard/")
    page.focus("input[name=rotation][value=sticky]")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#out-url")).to_contain_text("rot-hard")
    page.focus("button[data-copy=url]")
    page.keyboard.press("Enter")
    expect(page.locator("button[data-copy=url]")).to_have_text("Copied")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"


def test_dashboard_fits_a_phone(serialized_live_server, chromium, customer_with_key):
    live_server = serialized_live_server
    from tests.browser.conftest import login

    context = chromium.new_context(
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    try:
        login(context, customer_with_key.customer, live_server)
        page = context.new_page()
        page.goto("/dashboard/")
        expect(page.locator("#builder-form")).to_be_visible()
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0
    finally:
        context.close()


def test_dashboard_works_without_javascript(serialized_live_server, chromium, customer_with_key):
    """The builder, reveal and bulk preview are plain POST forms underneath."""
    from tests.browser.conftest import login

    live_server = serialized_live_server
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        login(context, customer_with_key.customer, live_server)
        page = context.new_page()
        page.goto("/dashboard/")
        page.select_option("#id_country", "gb")
        page.locator("label.choice", has_text="Every request").click()
        page.get_by_role("button", name="Update URL", exact=True).click()
        expect(page.locator("#out-url")).to_contain_text("-mbl-gb-sid-")
        expect(page.locator("#out-url")).to_contain_text("-rot-hard")
        page.get_by_role("button", name="Update and show secret").click()
        with DB_LOCK:
            secret = sandbox_secret(customer_with_key)
        expect(page.locator("#out-url")).to_contain_text(secret)
        expect(page.locator("#out-url")).to_contain_text("-gb-")
        page.fill("#id_bulk-count", "7")
        page.click("#bulk-generate")
        assert len(page.input_value("#bulk-output").split()) == 7
    finally:
        context.close()
