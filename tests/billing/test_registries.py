"""Billing's registries: a product (and a payment provider) is found by kind through settings,
so adding one needs no change outside its own package and one settings entry."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from apps.billing.models import KeyAdjustment, Order, Plan
from apps.billing.products import product_get, product_kinds
from apps.core.fulfilment import Product

from .factories import PlanFactory
from .fake_product import CALLS
from .stripe_events import charge_refunded, post_event
from .support import upstream_keys

pytestmark = pytest.mark.django_db

FAKE = "tests.billing.fake_product.FakeSeats"


@pytest.fixture
def fake_product(settings):
    CALLS.clear()
    with override_settings(BILLING_PRODUCTS={**settings.BILLING_PRODUCTS, "fake_seats": FAKE}):
        yield product_get("fake_seats")
    CALLS.clear()


def test_a_third_product_needs_no_change_outside_its_package(client, buy, fake_product):
    assert isinstance(fake_product, Product)
    plan = PlanFactory(slug="seats", name="Seats", product_kind="fake_seats", gb=Decimal("10"), price=Decimal("50"))
    plan.full_clean()

    order = buy(for_plan=plan)

    assert order.product_kind == "fake_seats"
    assert order.status == Order.Status.PROVISIONED
    assert order.fulfilment_ref == f"seats-{order.reference}"
    assert [call[0] for call in CALLS] == ["prepare", "fulfil"]
    assert upstream_keys() == []  # the pool product was never asked

    refund = charge_refunded(order, amount_refunded=Decimal("50.00"))
    post_event(client, refund)
    post_event(client, refund)  # redelivered: nothing twice

    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert [call for call in CALLS if call[0] == "take_back"] == [("take_back", order.reference, Decimal("10.00"))]
    assert order.adjustments.get().status == KeyAdjustment.Status.APPLIED


def test_a_plan_with_an_unregistered_kind_is_refused_by_validation():
    assert "no_such_kind" not in product_kinds()
    plan = Plan(slug="odd", name="Odd", product_kind="no_such_kind", gb=Decimal("1"), price=Decimal("10"))

    with pytest.raises(ValidationError) as refused:
        plan.full_clean()

    assert "product_kind" in refused.value.message_dict


def test_the_pool_product_is_registered_by_default():
    assert "pool_traffic" in product_kinds()
    assert Plan(slug="x", name="X", gb=Decimal("1"), price=Decimal("1")).product_kind == "pool_traffic"
    assert isinstance(product_get("pool_traffic"), Product)


def test_a_plan_whose_product_is_no_longer_sold_cannot_be_bought(client, customer):
    PlanFactory(slug="retired-kind", product_kind="no_such_kind")  # made before its product was removed
    client.force_login(customer)

    response = client.post("/billing/checkout/retired-kind/", follow=True)

    assert response.redirect_chain[0] == ("/#pricing", 302)
    assert b"This plan cannot be bought at the moment." in response.content
    assert not Order.objects.exists()
