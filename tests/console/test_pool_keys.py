"""The key page in the console lists the orders delivered onto the key: a reverse lookup from a
proxies record into billing, so it lives in the console, the app above both."""

from decimal import Decimal

import pytest

from tests.billing.factories import OrderFactory
from tests.factories import StaffFactory, UserFactory
from tests.proxies.console_support import change_url, mint
from tests.proxies.fakes import sandbox_upstream

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops(client, monkeypatch):
    sandbox_upstream(monkeypatch)
    client.force_login(StaffFactory(email="ops@example.com"))
    return client


def test_key_page_lists_the_orders_delivered_onto_the_key(ops):
    customer = UserFactory(email="carol@example.com")
    key, other_key = mint(customer, cap_gb=Decimal(10)), mint(customer, cap_gb=Decimal(10))
    on_key = OrderFactory(customer=customer, status="provisioned", paid_at=key.created_at, fulfilment_ref=str(key.pk))
    elsewhere = OrderFactory(
        customer=customer, status="provisioned", paid_at=key.created_at, fulfilment_ref=str(other_key.pk)
    )

    html = ops.get(change_url(key)).content.decode()

    assert "Orders on this key" in html
    assert on_key.reference in html
    assert elsewhere.reference not in html


def test_key_page_without_orders_says_so(ops):
    key = mint(UserFactory(), cap_gb=Decimal(10))

    html = ops.get(change_url(key)).content.decode()

    assert "No orders point at this key." in html
