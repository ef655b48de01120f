"""POST /billing/checkout/<plan>/: a pending order and a checkout session, then 303 to pay.
In sandbox mode the session is local; with a Stripe key the official library talks to Stripe
(here: a local fake Stripe API reached through STRIPE_API_BASE)."""

import json
from decimal import Decimal

import pytest
from django.test import Client

from apps.billing.models import ORDER_METADATA_KEY, Order, Payment, ProviderCustomer, ProviderEvent
from apps.billing.providers.stripe import client as stripe_client
from apps.sandbox.payments.models import SandboxCheckoutSession
from tests.factories import UserFactory

from .factories import PlanFactory, order_payment
from .stripe_events import outcome_of, post_event
from .stripe_fakes import REAL_WEBHOOK_SECRET
from .support import upstream_keys

pytestmark = pytest.mark.django_db


# Sandbox mode ----------------------------------------------------------------------------------


def test_checkout_creates_a_pending_order_and_sends_the_customer_to_pay(customer_client, customer, plan):
    response = customer_client.post("/billing/checkout/starter/")

    assert response.status_code == 303
    order = Order.objects.get()
    session = SandboxCheckoutSession.objects.get()
    assert response["Location"] == f"/sandbox/checkout/{session.id}/"
    assert order.customer == customer
    assert order.status == Order.Status.PENDING
    assert (order.plan, order.plan_name, order.gb, order.price, order.currency, order.validity_days) == (
        plan,
        "Starter",
        Decimal("5"),
        Decimal("35.00"),
        "usd",
        30,
    )
    payment = order_payment(order)
    assert (payment.provider, payment.state, payment.reference) == ("sandbox", Payment.State.PENDING, session.id)
    assert (payment.amount, payment.currency, payment.redirect_url) == (Decimal("35.00"), "usd", response["Location"])
    assert session.amount_total == 3500
    assert session.metadata == {ORDER_METADATA_KEY: str(order.public_id)}
    assert (
        session.success_url == f"http://127.0.0.1:8000/billing/orders/{order.public_id}/status/?session_id={session.id}"
    )
    assert session.cancel_url == f"http://127.0.0.1:8000/billing/orders/{order.public_id}/cancel/"


def test_checkout_needs_a_logged_in_customer(client, plan):
    response = client.post("/billing/checkout/starter/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert Order.objects.count() == 0


def test_checkout_needs_a_csrf_token(customer, plan):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(customer)

    response = strict.post("/billing/checkout/starter/")

    assert response.status_code == 403
    assert Order.objects.count() == 0


@pytest.mark.parametrize("slug", ["nope", "retired"])
def test_unknown_or_inactive_plan_is_404(customer_client, slug):
    PlanFactory(slug="retired", active=False)

    response = customer_client.post(f"/billing/checkout/{slug}/")

    assert response.status_code == 404
    assert Order.objects.count() == 0


def test_checkout_by_get_shows_the_plan_one_click_from_payment_and_orders_nothing(customer_client, plan):
    response = customer_client.get("/billing/checkout/starter/")

    assert response.status_code == 200
    assert "Continue to payment" in response.content.decode()
    assert Order.objects.count() == 0


def test_editing_a_plan_does_not_change_orders_already_placed(customer_client, plan):
    customer_client.post("/billing/checkout/starter/")
    plan.price, plan.gb = Decimal("99.00"), Decimal("1")
    plan.save()

    order = Order.objects.get()
    assert (order.price, order.gb) == (Decimal("35.00"), Decimal("5"))


def test_customer_id_is_created_once_and_reused(customer_client, customer, plan, pro_plan):
    customer_client.post("/billing/checkout/starter/")
    customer_client.post("/billing/checkout/pro/")

    [record] = ProviderCustomer.objects.filter(user=customer)
    assert (record.provider, record.reference[:12]) == ("sandbox", "cus_sandbox_")
    assert set(SandboxCheckoutSession.objects.values_list("customer_id", flat=True)) == {record.reference}
    assert set(Payment.objects.values_list("customer_reference", flat=True)) == {record.reference}


# Real Stripe (a local fake API behind STRIPE_API_BASE) -----------------------------------------


def test_real_checkout_sends_a_payment_session_to_stripe(customer_client, customer, plan, stripe_api):
    response = customer_client.post("/billing/checkout/starter/")

    order = Order.objects.get()
    [session_call] = stripe_api.calls("POST", "/v1/checkout/sessions")
    assert response.status_code == 303
    assert response["Location"] == stripe_api.sessions[order_payment(order).reference]["url"]
    form = session_call.form
    assert form["mode"] == "payment"
    assert form["line_items[0][quantity]"] == "1"
    assert form["line_items[0][price_data][currency]"] == "usd"
    assert form["line_items[0][price_data][unit_amount]"] == "3500"
    assert form["line_items[0][price_data][product_data][name]"] == "Starter"
    assert form["client_reference_id"] == str(order.public_id)
    assert form[f"metadata[{ORDER_METADATA_KEY}]"] == str(order.public_id)
    assert form[f"payment_intent_data[metadata][{ORDER_METADATA_KEY}]"] == str(order.public_id)
    assert form["success_url"] == (
        f"http://127.0.0.1:8000/billing/orders/{order.public_id}/status/?session_id={{CHECKOUT_SESSION_ID}}"
    )
    assert form["cancel_url"] == f"http://127.0.0.1:8000/billing/orders/{order.public_id}/cancel/"
    assert form["customer"] == ProviderCustomer.objects.get(user=customer, provider="stripe").reference
    headers = session_call.headers
    assert headers["idempotency-key"] == f"sf-order-{order.public_id.hex}-checkout"
    assert headers["stripe-version"] == stripe_client.STRIPE_API_VERSION
    assert headers["authorization"] == "Bearer sk_test_" + "4" * 24


def test_real_checkout_reuses_the_stripe_customer(customer_client, customer, plan, pro_plan, stripe_api):
    customer_client.post("/billing/checkout/starter/")
    customer_client.post("/billing/checkout/pro/")

    assert len(stripe_api.calls("POST", "/v1/customers")) == 1
    assert len(stripe_api.calls("POST", "/v1/checkout/sessions")) == 2
    customers = {call.form["customer"] for call in stripe_api.calls("POST", "/v1/checkout/sessions")}
    assert customers == {ProviderCustomer.objects.get(user=customer, provider="stripe").reference}


def test_stripe_down_at_checkout_fails_the_order_with_a_clear_message(customer_client, plan, stripe_api):
    stripe_api.failures = [500, 500]

    response = customer_client.post("/billing/checkout/starter/", follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[0] == ("/#pricing", 302)
    assert b"could not reach the payment provider" in response.content
    order = Order.objects.get()
    assert order.status == Order.Status.FAILED
    assert order.paid_at is None


def _real_event(fake, order, event_type="checkout.session.completed") -> dict:
    session = fake.sessions[order_payment(order).reference]
    return {
        "id": f"evt_real_{fake.next_id('x')}",
        "object": "event",
        "type": event_type,
        "livemode": False,
        "data": {"object": dict(session)},
    }


def test_real_webhook_rereads_the_session_before_acting(client, customer_client, plan, stripe_api):
    customer_client.post("/billing/checkout/starter/")
    order = Order.objects.get()
    stripe_api.pay(order_payment(order).reference)

    response = post_event(client, _real_event(stripe_api, order), secret=REAL_WEBHOOK_SECRET)

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == Order.Status.PROVISIONED
    assert stripe_api.calls("GET", f"/v1/checkout/sessions/{order_payment(order).reference}")
    assert [k.traffic_cap_gb for k in upstream_keys()] == [Decimal("5")]


def test_real_webhook_trusts_stripe_not_the_payload(client, customer_client, plan, stripe_api):
    customer_client.post("/billing/checkout/starter/")
    order = Order.objects.get()
    event = _real_event(stripe_api, order)
    event["data"]["object"]["payment_status"] = "paid"  # Stripe itself still says unpaid

    post_event(client, event, secret=REAL_WEBHOOK_SECRET)

    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
    assert upstream_keys() == []


def test_stripe_unreachable_on_reread_asks_for_a_redelivery(client, customer_client, plan, stripe_api):
    customer_client.post("/billing/checkout/starter/")
    order = Order.objects.get()
    stripe_api.pay(order_payment(order).reference)
    event = _real_event(stripe_api, order)
    stripe_api.failures = [503]

    response = post_event(client, event, secret=REAL_WEBHOOK_SECRET)

    assert response.status_code == 200  # acknowledged; its job did the processing
    assert outcome_of(response) == "retry_later"
    stored = ProviderEvent.objects.get(event_id=event["id"])
    assert stored.processed_at is None
    assert "StripeUnavailable" in stored.error
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING

    # Stripe redelivers the same event later.
    response = post_event(client, event, secret=REAL_WEBHOOK_SECRET)

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == Order.Status.PROVISIONED
    stored.refresh_from_db()
    assert (stored.deliveries, stored.attempts) == (2, 2)


def test_real_refund_is_traced_through_the_payment_intent(client, customer_client, plan, stripe_api):
    customer_client.post("/billing/checkout/starter/")
    order = Order.objects.get()
    session = stripe_api.pay(order_payment(order).reference)
    post_event(client, _real_event(stripe_api, order), secret=REAL_WEBHOOK_SECRET)
    charge = {
        "id": "ch_real_1",
        "object": "charge",
        "amount": 3500,
        "amount_refunded": 3500,
        "refunded": True,
        "currency": "usd",
        "payment_intent": session["payment_intent"],
        "metadata": {},
    }
    stripe_api.charges["ch_real_1"] = charge
    event = {
        "id": "evt_real_refund",
        "object": "event",
        "type": "charge.refunded",
        "data": {"object": json.loads(json.dumps(charge))},
    }

    response = post_event(client, event, secret=REAL_WEBHOOK_SECRET)

    assert outcome_of(response) == "refund_recorded"
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED
    assert stripe_api.calls("GET", "/v1/charges/ch_real_1")


def test_sandbox_pages_do_not_exist_with_real_keys(customer_client, plan, stripe_api):
    customer_client.post("/billing/checkout/starter/")
    # No sandbox session is made in real mode; any id is a 404.
    assert customer_client.get("/sandbox/checkout/cs_test_sandbox_x/").status_code == 404


def test_other_customers_cannot_start_checkout_for_someone_else(client, plan):
    # Orders always belong to the logged-in user: there is no way to name another customer.
    other = UserFactory()
    client.force_login(other)
    client.post("/billing/checkout/starter/")
    assert Order.objects.get().customer == other
