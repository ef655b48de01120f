"""The Ports page in a real browser against the simulator: buy a port on the pricing page through
the sandbox checkout, open it, copy its URL (the clipboard holds the real password, read through
the audited reveal), rotate (the IP changes and the history grows), meet the cooldown with the
time left, rotate through the shop's own /r/ link, turn on automatic rotation and see the
simulator rotate on schedule, and renew it through the same checkout (extended once)."""

import re
from datetime import timedelta

import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from apps.billing.models import Order
from apps.ports.models import Port, PortRenewal
from apps.sandbox.ports.models import SandboxPort
from tests.browser.conftest import DB_LOCK, ensure_port_plans, login
from tests.factories import UserFactory


def _upstream() -> SandboxPort:
    with DB_LOCK:
        return SandboxPort.objects.select_related("device").get()


def _pay(page, amount: str) -> None:
    """On the sandbox's checkout page: pay, then wait for the order page to say it is delivered."""
    expect(page.get_by_text("TEST PAYMENT", exact=True)).to_be_visible()
    page.get_by_role("button", name=re.compile(rf"^Pay \${amount}")).click()
    expect(page.locator("#order-status")).to_contain_text("Your port is ready")


def test_ports_page_walkthrough(live_server, browser_context, csp_violations):
    ensure_port_plans()
    with DB_LOCK:
        customer = UserFactory(email="porter@example.com")
    login(browser_context, customer, live_server)
    page = browser_context.new_page()

    # Buy a shared port on the pricing page, paid on the sandbox's checkout page.
    page.goto("/#pricing")
    page.get_by_role("button", name="Buy Shared mobile port").click()
    _pay(page, "60")
    with DB_LOCK:
        port = Port.objects.get(customer=customer)
        bought = Order.objects.get(customer=customer)
    assert bought.fulfilment_ref == str(port.pk)

    # The list, then the port.
    page.goto("/dashboard/ports/")
    expect(page.get_by_role("heading", name="Your ports")).to_be_visible()
    page.get_by_role("link", name="Open").click()
    expect(page.locator("#port-status")).to_have_text("Active")
    http_box = page.locator("#out-http_url")
    password = _upstream().password
    expect(http_box).to_have_text(f"http://{port.login}:••••••••@{port.server_ip}:{port.http_port}")

    # Copy: the clipboard holds the real URL; the page still shows the mask.
    copy = page.locator("button[data-copy-template]").first
    copy.click()
    expect(copy).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == (
        f"http://{port.login}:{password}@{port.server_ip}:{port.http_port}"
    )
    assert password not in http_box.inner_text()

    # Rotate now: a new IP and one line of history. Then the cooldown, with the time left.
    expect(page.locator("#rotate-state-text")).to_contain_text("Ready")
    old_ip = _upstream().device.ip
    page.click("#rotate-button")
    expect(page.get_by_text("Rotated: your new IP is")).to_be_visible()
    new_ip = _upstream().device.ip
    assert new_ip != old_ip
    expect(page.locator("#port-ip")).to_have_text(new_ip)
    expect(page.locator("#history tbody tr")).to_have_count(1)
    expect(page.locator("#rotate-button")).to_be_disabled()
    expect(page.locator("#rotate-state-text")).to_contain_text("You can rotate again in 4 min")

    # The shop's own rotation link: shown once; inside the cooldown it says how long to wait.
    page.click("#link-create")
    link = page.locator("#new-link-url").inner_text()
    assert link.startswith(live_server.url + "/r/rl_")
    early = page.request.get(link)
    assert early.status == 429 and "You can rotate it again in" in early.json()["error"]
    with time_machine.travel(timezone.now() + timedelta(minutes=5, seconds=5), tick=True):
        done = page.request.get(link)
        assert done.ok and done.json()["ok"] is True
        assert done.json()["new_ip"] == _upstream().device.ip != new_ip
        page.goto(f"/dashboard/ports/{port.pk}/")
        expect(page.locator("#history tbody tr")).to_have_count(2)
        expect(page.locator("#history tbody tr").first).to_contain_text("link")

        # Automatic rotation every 5 minutes; the simulator rotates on schedule.
        page.check("#id_enabled")
        page.fill("#id_interval_minutes", "5")
        page.get_by_role("button", name="Save").first.click()
        expect(page.get_by_text("Automatic rotation is on: every 5 min.")).to_be_visible()
    with time_machine.travel(timezone.now() + timedelta(minutes=11), tick=True):
        page.goto(f"/dashboard/ports/{port.pk}/")
        expect(page.locator("#history tbody tr")).to_have_count(3)
        expect(page.locator("#history tbody tr").first).to_contain_text("automatic")

    # Renew it from its page through the same checkout: the expiry moves by one period, once.
    page.goto(f"/dashboard/ports/{port.pk}/")
    page.locator("#renew").get_by_role("button", name=re.compile(r"^Renew: Shared mobile port")).click()
    _pay(page, "60")
    page.reload()  # the paid page again: no second extension
    with DB_LOCK:
        renewed = Port.objects.get(pk=port.pk)
        assert renewed.expires_at == port.expires_at + timedelta(days=30)
        assert PortRenewal.objects.filter(port=port).count() == 1
        assert Port.objects.filter(customer=customer).count() == 1
    page.goto(f"/dashboard/ports/{port.pk}/")
    expect(page.locator("#state")).to_contain_text(renewed.expires_at.strftime("%b %-d, %Y"))
    assert not csp_violations
