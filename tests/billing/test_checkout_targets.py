"""Where a purchase goes (issue 11, issue 15 item 4): checkout accepts `target` ("" the shop
decides, "new" a new key, or one of the customer's keys), asks the product's `target_check`
before any order exists, stores it on the order and hands it to the product's delivery."""

from decimal import Decimal

import pytest

from apps.billing.errors import CheckoutRefused
from apps.billing.models import Order
from apps.billing.services import checkout_start
from apps.proxies.models import PoolKey
from apps.proxies.services import pool_key_set_enabled
from apps.sandbox.payments.models import SandboxCheckoutSession
from tests.factories import UserFactory
from tests.proxies.support import mint_key

from .stripe_events import completed_paid, post_event

pytestmark = pytest.mark.django_db


def _pay(client, order: Order) -> Order:
    session = SandboxCheckoutSession.objects.get(order=order)
    assert post_event(client, completed_paid(session)).status_code == 200
    order.refresh_from_db()
    return order


def _buy(client, customer, plan, target: str = "") -> Order:
    return _pay(client, checkout_start(customer=customer, plan=plan, target_ref=target).order)


def _hold(key: PoolKey) -> PoolKey:
    return pool_key_set_enabled(key=key, enabled=False, idempotency_key=f"test-hold-{key.pk}", reason="test")


def test_new_mints_a_second_key_instead_of_topping_up(client, customer, plan):
    first = _buy(client, customer, plan)
    second = _buy(client, customer, plan, "new")

    keys = list(PoolKey.objects.filter(customer=customer).order_by("pk"))
    assert len(keys) == 2
    assert (first.fulfilment_ref, second.fulfilment_ref) == (str(keys[0].pk), str(keys[1].pk))
    assert second.target_ref == "new"
    assert keys[0].cap_gb == keys[1].cap_gb == Decimal(5)


def test_a_key_id_tops_up_that_key_not_the_latest(client, customer, plan):
    older, newer = mint_key(customer), mint_key(customer)

    order = _buy(client, customer, plan, str(older.pk))

    older.refresh_from_db()
    newer.refresh_from_db()
    assert order.fulfilment_ref == str(older.pk)
    assert (older.cap_gb, newer.cap_gb) == (Decimal(15), Decimal(10))


@pytest.mark.parametrize("target", ["999999", "abc", "-1", "1" * 64])
def test_a_target_that_is_no_key_of_theirs_is_refused_before_an_order(customer, plan, target):
    with pytest.raises(CheckoutRefused, match="not one of your proxy keys"):
        checkout_start(customer=customer, plan=plan, target_ref=target)
    assert not Order.objects.exists()


def test_another_customers_key_reads_like_a_missing_one(customer, plan):
    theirs = mint_key(UserFactory())
    with pytest.raises(CheckoutRefused, match="not one of your proxy keys"):
        checkout_start(customer=customer, plan=plan, target_ref=str(theirs.pk))
    assert not Order.objects.exists()


def test_a_key_the_shop_holds_disabled_takes_no_traffic(customer, plan):
    key = _hold(mint_key(customer))
    with pytest.raises(CheckoutRefused, match="switched off by our team"):
        checkout_start(customer=customer, plan=plan, target_ref=str(key.pk))
    # Nor when the shop would choose it: the latest key is the held one.
    with pytest.raises(CheckoutRefused, match="switched off by our team"):
        checkout_start(customer=customer, plan=plan)
    assert not Order.objects.exists()
    # A new key is still for sale.
    assert checkout_start(customer=customer, plan=plan, target_ref="new").order.target_ref == "new"


def test_new_is_refused_at_the_key_limit(customer, plan, settings):
    settings.POOL_MAX_KEYS_PER_CUSTOMER = 2
    mint_key(customer)
    mint_key(customer)
    with pytest.raises(CheckoutRefused, match="already have 2 keys"):
        checkout_start(customer=customer, plan=plan, target_ref="new")
    assert not Order.objects.exists()


def test_an_open_checkout_is_reused_only_for_the_same_target(customer, plan):
    key = mint_key(customer)
    topup = checkout_start(customer=customer, plan=plan, target_ref=str(key.pk))
    new = checkout_start(customer=customer, plan=plan, target_ref="new")
    again = checkout_start(customer=customer, plan=plan, target_ref="new")

    assert topup.order != new.order
    assert again.reused and again.order == new.order


def test_the_buy_form_sends_the_target_and_a_refusal_returns_to_the_page_it_came_from(customer_client, customer, plan):
    key = _hold(mint_key(customer))
    back = f"/dashboard/?key={key.pk}"

    response = customer_client.post("/billing/checkout/starter/", {"target": str(key.pk), "back": back}, follow=True)

    assert response.redirect_chain[0] == (back, 302)
    assert "switched off by our team" in response.content.decode()
    assert not Order.objects.exists()
    response = customer_client.post("/billing/checkout/starter/", {"target": "new", "back": "https://evil.example/"})
    assert response.status_code == 303
    assert Order.objects.get().target_ref == "new"


def test_a_refusal_never_goes_to_another_site(customer_client, customer, plan):
    mint_key(customer)
    response = customer_client.post("/billing/checkout/starter/", {"target": "nope", "back": "//evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/#pricing"
