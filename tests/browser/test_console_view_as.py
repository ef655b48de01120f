"""View as customer in the browser (issue 15), at 1366 px: from the customer's console page
(spend, payments, keys on one page) to their real dashboard with the staff banner, a write
refused with a clear page, and Exit back to the console; no CSP violation on the way."""

from apps.core.models import AuditEntry
from tests.factories import StaffFactory

from .conftest import DB_LOCK, login

LAPTOP = {"width": 1366, "height": 900}


def test_staff_view_the_real_dashboard_read_only_and_exit(
    browser_context, serialized_live_server, customer_with_key, csp_violations
):
    key = customer_with_key
    customer = key.customer
    with DB_LOCK:
        operator = StaffFactory(email="ops@example.com")
    login(browser_context, operator, serialized_live_server)
    page = browser_context.new_page()
    page.set_viewport_size(LAPTOP)

    page.goto(f"/admin/accounts/user/{customer.pk}/change/")
    assert page.get_by_role("heading", name="Spend and lifetime value").is_visible()
    page.get_by_role("link", name="View as customer").click()
    page.get_by_role("button", name=f"Open {customer.email}'s dashboard (read-only)").click()

    page.wait_for_url("**/dashboard/")
    banner = page.locator(".view-as-banner")
    assert f"Staff view of {customer.email}" in banner.inner_text()
    assert f"Signed in as {customer.email}" in page.locator("main").inner_text()
    assert key.secret_hint in page.locator("main").inner_text()

    page.goto("/dashboard/api/")
    page.get_by_label("Name").first.fill("sneaky")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_selector("text=Nothing was changed")
    with DB_LOCK:
        assert AuditEntry.objects.filter(action="staff.view_as_write_refused", customer=customer).exists()

    page.goto("/dashboard/")
    page.get_by_role("button", name="Exit and go back to the console").click()
    page.wait_for_url(f"**/admin/accounts/user/{customer.pk}/change/")
    assert csp_violations == []
