"""The payment simulator is tested through billing's real checkout and webhook service, so its
tests share billing's fixtures (plans, a customer, the checkout) and settings."""

import pytest
from django.test import Client

from apps.sandbox.payments.models import SandboxCharge
from tests.billing.conftest import _billing_settings, buy, plan, pro_plan, start_checkout  # noqa: F401
from tests.factories import StaffFactory


@pytest.fixture
def operator(db):
    """A staff member's browser (its own client: the customer's is another)."""
    browser = Client()
    browser.force_login(StaffFactory())
    return browser


@pytest.fixture
def paid_charge(customer_client, start_checkout):  # noqa: F811
    """A purchase paid on the test-payment page, provisioned, and the charge it made."""
    from .support import post

    order, session = start_checkout()
    post(customer_client, f"/sandbox/checkout/{session.id}/", {"outcome": "pay"})
    order.refresh_from_db()
    return order, SandboxCharge.objects.get(session=session)
