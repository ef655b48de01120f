"""The API's pages in a real browser under the shop's strict CSP: the reference (Swagger UI from
the self-hosted sidecar assets) renders every operation, and the dashboard's API tab creates a key
that is shown once and revokes it."""

import re

from playwright.sync_api import expect

from apps.accounts.models import ApiKey
from tests.browser.conftest import DB_LOCK, login
from tests.factories import UserFactory


def test_the_api_reference_renders_without_csp_violations(live_server, browser_context, csp_violations):
    page = browser_context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto("/api/docs/")
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/proxy-urls")).to_be_visible()
    expect(page.locator(".opblock-summary-path", has_text="/api/v1/keys/{key_id}/reveal")).to_be_visible()
    page.locator("#operations-orders-orders_create .opblock-summary").click()
    expect(page.locator("#operations-orders-orders_create").get_by_text("Idempotency-Key").first).to_be_visible()
    assert csp_violations == [] and errors == []


def test_the_api_tab_shows_a_new_key_once_and_revokes_it(live_server, browser_context, csp_violations):
    with DB_LOCK:
        customer = UserFactory()
    login(browser_context, customer, live_server)
    page = browser_context.new_page()
    page.goto("/dashboard/api/")
    page.fill("input[name=name]", "scraper box 3")
    page.get_by_label(re.compile("sessions:write")).check()
    page.get_by_role("button", name="Create key").click()
    raw = page.locator("#new-api-key").inner_text()
    assert re.fullmatch(r"sfk_test_[A-Za-z0-9]{40}", raw)
    page.reload()
    expect(page.locator("#new-api-key")).to_have_count(0)
    expect(page.get_by_role("cell", name="scraper box 3", exact=True)).to_be_visible()

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke API key scraper box 3").click()
    expect(page.get_by_text("revoked. Requests with it now get 401.")).to_be_visible()
    with DB_LOCK:
        assert ApiKey.objects.get(customer=customer).revoked_at is not None
    assert csp_violations == []
