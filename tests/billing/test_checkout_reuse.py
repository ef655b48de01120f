"""Starting a checkout again: an open checkout session for the same customer and plan is reused
(the same order, the same payment page) instead of another order and session; and checkouts are
rate limited per customer and per client address, with the branded 429 page."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from apps.billing.models import Order, Payment
from apps.billing.services import checkout_start
from apps.sandbox.payments.models import SandboxCheckoutSession
from tests.factories import UserFactory

from .stripe_events import completed_paid, post_event

pytestmark = pytest.mark.django_db

BUY = "/billing/checkout/starter/"


def payment_page(response) -> str:
    assert response.status_code == 303, response.content
    return response["Location"]


def test_buying_the_same_plan_again_goes_back_to_the_open_checkout(customer_client, plan):
    first = payment_page(customer_client.post(BUY))

    again = [payment_page(customer_client.post(BUY)) for _ in range(3)]

    assert again == [first] * 3
    assert Order.objects.count() == 1
    assert SandboxCheckoutSession.objects.count() == 1


def test_a_cancelled_checkout_closes_its_order_and_buying_again_opens_a_new_one(customer_client, plan):
    first = payment_page(customer_client.post(BUY))
    order = Order.objects.get()
    customer_client.get(f"/billing/orders/{order.public_id}/cancel/")
    order.refresh_from_db()

    assert order.status == Order.Status.EXPIRED
    assert payment_page(customer_client.post(BUY)) != first
    assert Order.objects.count() == 2


def test_real_stripe_checkout_is_reread_and_reused_not_created_again(customer_client, plan, stripe_api):  # noqa: F811
    first = payment_page(customer_client.post(BUY))
    session_id = Payment.objects.get().reference

    assert payment_page(customer_client.post(BUY)) == first
    assert len(stripe_api.calls("POST", "/v1/checkout/sessions")) == 1
    assert len(stripe_api.calls("GET", f"/v1/checkout/sessions/{session_id}")) == 1
    assert Order.objects.count() == 1


def test_another_plan_gets_its_own_checkout(customer_client, plan, pro_plan):
    first = payment_page(customer_client.post(BUY))

    assert payment_page(customer_client.post("/billing/checkout/pro/")) != first
    assert Order.objects.count() == 2


def test_another_customer_never_gets_someone_elses_checkout(customer_client, plan):
    first = payment_page(customer_client.post(BUY))
    other = Client()
    other.force_login(UserFactory())

    assert payment_page(other.post(BUY)) != first
    assert Order.objects.values("customer").distinct().count() == 2


def _expire_soon(session: SandboxCheckoutSession) -> None:
    SandboxCheckoutSession.objects.filter(pk=session.pk).update(expires_at=timezone.now() + timedelta(minutes=5))


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda s: SandboxCheckoutSession.objects.filter(pk=s.pk).update(status="expired"), id="expired"),
        pytest.param(lambda s: completed_paid(s), id="completed_before_the_webhook"),
        pytest.param(_expire_soon, id="expires_in_minutes"),
        pytest.param(lambda s: Order.objects.filter(pk=s.order_id).update(status="failed"), id="order_failed"),
        pytest.param(
            lambda s: Payment.objects.filter(order=s.order_id).update(payment_reference="pi_debit"),
            id="payment_under_way",
        ),
        pytest.param(
            lambda s: Order.objects.filter(pk=s.order_id).update(created_at=timezone.now() - timedelta(hours=25)),
            id="older_than_any_session",
        ),
    ],
)
def test_a_checkout_that_cannot_be_paid_any_more_is_not_reused(customer, plan, change):
    first = checkout_start(customer=customer, plan=plan)
    change(SandboxCheckoutSession.objects.get(order=first.order))

    again = checkout_start(customer=customer, plan=plan)

    assert again.order != first.order
    assert not again.reused
    assert SandboxCheckoutSession.objects.count() == 2


def test_a_plan_edited_since_gets_a_checkout_at_the_new_price(customer, plan):
    first = checkout_start(customer=customer, plan=plan)
    plan.price = Decimal("39.00")
    plan.save()

    again = checkout_start(customer=customer, plan=plan)

    assert again.order != first.order
    assert again.order.price == Decimal("39.00")


def test_stripe_unreachable_on_the_reread_opens_a_new_checkout(customer_client, plan, stripe_api):  # noqa: F811
    customer_client.post(BUY)
    stripe_api.failures = [503]

    response = customer_client.post(BUY)

    assert payment_page(response).startswith("https://checkout.stripe.com/")
    assert len(stripe_api.calls("POST", "/v1/checkout/sessions")) == 2


def test_a_paid_reused_checkout_provisions_its_one_order(client, customer, plan):
    checkout_start(customer=customer, plan=plan)
    reused = checkout_start(customer=customer, plan=plan)

    post_event(client, completed_paid(SandboxCheckoutSession.objects.get(order=reused.order)))

    assert list(Order.objects.values_list("status", flat=True)) == [Order.Status.PROVISIONED]


# Rate limits -----------------------------------------------------------------------------------


def test_too_many_checkouts_by_one_customer_get_the_branded_429(customer_client, plan, pro_plan, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "checkout": "3/10m/user"}
    for slug in ("starter", "pro", "starter"):
        assert customer_client.post(f"/billing/checkout/{slug}/").status_code == 303

    response = customer_client.post("/billing/checkout/pro/")

    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many attempts" in html and "started many checkouts" in html
    assert Order.objects.count() == 2  # the refused one opened nothing
    assert SandboxCheckoutSession.objects.count() == 2


def test_too_many_checkouts_from_one_address_get_the_429_whoever_asks(plan, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "checkout": "100/10m/user,2/10m/ip"}
    statuses = []
    for _ in range(3):
        browser = Client(REMOTE_ADDR="203.0.113.7")
        browser.force_login(UserFactory())
        statuses.append(browser.post(BUY).status_code)
    elsewhere = Client(REMOTE_ADDR="198.51.100.1")
    elsewhere.force_login(UserFactory())

    assert statuses == [303, 303, 429]
    assert elsewhere.post(BUY).status_code == 303
    assert Order.objects.count() == 3


def test_the_checkout_limit_can_be_turned_off(customer_client, plan, pro_plan, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "checkout": "off"}

    assert all(customer_client.post(BUY).status_code == 303 for _ in range(40))
