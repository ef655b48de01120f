"""The console on a laptop (issue 15): at 1366 px the orders and keys lists show every column,
with nothing scrolled off to the side (the page does not scroll sideways and neither does the
results table), the statuses are coloured badges and the brand is in the header."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.proxies.models import PoolKey
from tests.billing.factories import OrderFactory, PaymentFactory
from tests.factories import StaffFactory, UserFactory
from tests.proxies.console_support import mint

from .conftest import DB_LOCK, login

LAPTOP = {"width": 1366, "height": 900}
LISTS = ("/admin/billing/order/", "/admin/proxies/poolkey/")


def _shop() -> None:
    """Long e-mail addresses, labels and plan names: the widths a real shop has."""
    for n, status in enumerate(("provisioned", "pending", "failed", "refunded")):
        customer = UserFactory(email=f"a.rather.long.customer.name.{n}@subsidiary.example-company.com")
        key = mint(customer, cap_gb=Decimal(25), expires_at=timezone.now() + timedelta(days=20))
        PoolKey.objects.filter(pk=key.pk).update(
            label=f"Residential scraping pool for the marketing team {n}",
            used_mb=Decimal(1024 * (n + 3)),
            last_used_at=timezone.now(),
            last_synced_at=timezone.now(),
        )
        order = OrderFactory(
            customer=customer,
            status=status,
            fulfilment_ref=str(key.pk) if status == "provisioned" else "",
            plan_name="Residential traffic, 25 GB, 30 days",
            paid_at=None if status == "pending" else timezone.now() - timedelta(days=n),
            price=Decimal("150.00"),
            gb=Decimal(25),
            amount_refunded=Decimal("150.00") if status == "refunded" else Decimal("0"),
            provisioning_attempts=n,
        )
        if status != "pending":
            PaymentFactory(order=order, confirmed=True)


@pytest.mark.parametrize("url", LISTS)
def test_the_orders_and_keys_lists_show_every_column_at_1366_px(browser_context, serialized_live_server, url):
    with DB_LOCK:
        _shop()
        operator = StaffFactory(email="ops@example.com")
    login(browser_context, operator, serialized_live_server)
    page = browser_context.new_page()
    page.set_viewport_size(LAPTOP)

    page.goto(url)
    page.wait_for_selector("#result_list")

    headers = page.locator("#result_list thead th")
    assert headers.count() >= 8
    for index in range(headers.count()):
        box = headers.nth(index).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= LAPTOP["width"], (
            headers.nth(index).inner_text(),
            box,
        )
    sideways = page.evaluate(
        "() => ({page: document.documentElement.scrollWidth, results: document.querySelector('.results').scrollWidth,"
        " visible: document.querySelector('.results').clientWidth})"
    )
    assert sideways["page"] <= LAPTOP["width"], sideways
    assert sideways["results"] <= sideways["visible"], sideways
    assert page.locator("#result_list .console-pill").count() >= 4  # coloured status badges
    assert "console" in page.locator("#site-name").inner_text()
