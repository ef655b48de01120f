"""Billing's registries: a product and a payment provider are each found by kind through settings
(BILLING_PRODUCTS, BILLING_PAYMENT_PROVIDERS), so adding one needs no change outside its own
package and one settings entry. A third provider, defined in this module and registered by one
settings line, takes an order from checkout to paid and provisioned with no change anywhere else."""

import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import TestCase, override_settings
from django.utils import timezone

from apps.billing.models import KeyAdjustment, Order, Payment, Plan, ProviderEvent
from apps.billing.products import product_get, product_kinds
from apps.billing.providers.base import (
    CheckoutRedirect,
    EventFacts,
    EventHeader,
    EventInvalid,
    Fact,
    PaymentProvider,
    PaymentReread,
    UnknownOrder,
)
from apps.billing.providers.registry import (
    UnknownProvider,
    provider_for_checkout,
    provider_for_endpoint,
    provider_get,
)
from apps.core.fulfilment import Product

from .factories import PlanFactory, order_payment
from .fake_product import CALLS
from .stripe_events import charge_refunded, outcome_of, post_event
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


def test_a_product_without_target_check_takes_any_target(customer, fake_product):
    from apps.billing.services import checkout_start
    from apps.core.fulfilment import TargetedProduct

    assert not isinstance(fake_product, TargetedProduct)
    plan = PlanFactory(slug="seats", name="Seats", product_kind="fake_seats", gb=Decimal("10"), price=Decimal("50"))

    order = checkout_start(customer=customer, plan=plan, target_ref="seat-7").order

    assert order.target_ref == "seat-7"


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


# A third payment provider: an invoice ledger it keeps itself, a shared-token webhook -----------------

LEDGER: dict[str, dict[str, Any]] = {}  # what the provider's own side holds: invoice -> state
TOKEN = "fakecoin-webhook-token"


class FakeCoinProvider(PaymentProvider):
    name = "fakecoin"
    label = "FakeCoin"

    def is_available(self) -> bool:
        return True

    def checkout_start(self, *, order, payment, customer_reference: str = "") -> CheckoutRedirect:
        invoice = f"inv_{payment.public_id.hex[:16]}"
        LEDGER[invoice] = {"order": str(order.public_id), "asked": str(payment.amount), "paid": None}
        return CheckoutRedirect(reference=invoice, url=f"https://pay.fakecoin.test/{invoice}")

    def payment_reread(self, *, payment) -> PaymentReread:
        invoice = LEDGER[payment.reference]
        return PaymentReread(
            checkout_open=invoice["paid"] is None,
            url=f"https://pay.fakecoin.test/{payment.reference}",
            expires_at=timezone.now() + timedelta(hours=1),
        )

    def event_verify(self, *, payload: bytes, headers) -> dict[str, Any]:
        if headers.get("X-FakeCoin-Token") != TOKEN:
            raise EventInvalid("bad_signature", "wrong token")
        return json.loads(payload)

    def event_header(self, event: dict[str, Any]) -> EventHeader:
        return EventHeader(event_id=event["id"], type=event["type"])

    def event_order(self, event: dict[str, Any]):
        invoice = LEDGER.get(event["invoice"])
        if invoice is None:
            raise UnknownOrder(f"no invoice {event['invoice']}")
        return Order.objects.get(public_id=invoice["order"])

    def event_facts(self, *, event: dict[str, Any], order) -> EventFacts:
        invoice = LEDGER[event["invoice"]]  # re-read: the event is only a trigger
        if invoice["paid"] is None:
            return EventFacts(Fact.PAYMENT_PENDING, checkout_reference=event["invoice"], provider_status="open")
        return EventFacts(
            Fact.PAYMENT_CONFIRMED,
            checkout_reference=event["invoice"],
            payment_reference=f"tx_{event['invoice']}",
            amount=Decimal(invoice["paid"]),
            currency="usd",
            provider_status="settled",
        )


FAKECOIN = f"{__name__}.FakeCoinProvider"


@pytest.fixture
def fakecoin(settings):
    LEDGER.clear()
    settings.BILLING_PAYMENT_PROVIDERS = [FAKECOIN, *settings.BILLING_PAYMENT_PROVIDERS]
    yield provider_get("fakecoin")
    LEDGER.clear()


def deliver(client, event: dict, *, token: str = TOKEN):
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            "/billing/webhooks/fakecoin/",
            data=json.dumps(event),
            content_type="application/json",
            headers={"X-FakeCoin-Token": token},
        )


def test_a_third_provider_needs_no_change_outside_its_package(client, customer, plan, fakecoin):
    client.force_login(customer)

    response = client.post("/billing/checkout/starter/")

    order = Order.objects.get()
    payment = order_payment(order)
    assert response.status_code == 303
    assert response["Location"] == f"https://pay.fakecoin.test/{payment.reference}"
    assert (payment.provider, payment.state, payment.amount) == ("fakecoin", Payment.State.PENDING, Decimal("35.00"))
    # Buying again goes back to the open invoice, as with Stripe.
    assert client.post("/billing/checkout/starter/")["Location"] == response["Location"]

    waiting = deliver(client, {"id": "fc_evt_1", "type": "invoice.updated", "invoice": payment.reference})
    LEDGER[payment.reference]["paid"] = "35.00"
    paid = deliver(client, {"id": "fc_evt_2", "type": "invoice.updated", "invoice": payment.reference})

    assert (outcome_of(waiting), outcome_of(paid)) == ("awaiting_payment", "paid")
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == Order.Status.PROVISIONED
    assert order.amount_charged == Decimal("35.00")
    assert (payment.state, payment.payment_reference, payment.provider_status) == (
        Payment.State.CONFIRMED,
        f"tx_{payment.reference}",
        "settled",
    )
    assert [key.traffic_cap_gb for key in upstream_keys()] == [Decimal("5")]
    stored = ProviderEvent.objects.get(event_id="fc_evt_2")
    assert (stored.provider, stored.order, stored.payment, stored.outcome) == ("fakecoin", order, payment, "paid")
    # A delivery that does not verify writes nothing.
    assert (
        deliver(client, {"id": "fc_evt_3", "type": "x", "invoice": payment.reference}, token="guess").status_code == 400
    )
    assert not ProviderEvent.objects.filter(event_id="fc_evt_3").exists()


def test_an_event_naming_an_invoice_the_provider_never_issued_is_refused(client, fakecoin):
    response = deliver(client, {"id": "fc_evt_9", "type": "invoice.updated", "invoice": "inv_forged"})

    assert (response.status_code, outcome_of(response)) == (400, "unknown_order")
    assert not ProviderEvent.objects.exists()


# The registry ---------------------------------------------------------------------------------------


def test_checkouts_go_to_the_sandbox_without_a_stripe_key_and_to_stripe_with_one(settings):
    assert provider_for_checkout().name == "sandbox"
    settings.STRIPE_SANDBOX = False
    assert provider_for_checkout().name == "stripe"


def test_stripes_webhook_url_is_answered_by_whichever_stripe_shaped_provider_is_on(settings):
    assert provider_for_endpoint("stripe").name == "sandbox"
    settings.STRIPE_SANDBOX = False
    assert provider_for_endpoint("stripe").name == "stripe"
    assert provider_for_endpoint("sandbox") is None  # the sandbox has no URL of its own


def test_an_unregistered_provider_is_unknown():
    with pytest.raises(UnknownProvider):
        provider_get("fakecoin")


def test_a_webhook_no_provider_answers_takes_nothing(client):
    response = client.post("/billing/webhooks/fakecoin/", data="{}", content_type="application/json")

    assert (response.status_code, outcome_of(response)) == (404, "unknown_provider")
    assert not ProviderEvent.objects.exists()


def test_two_providers_may_not_share_a_name(settings):
    settings.BILLING_PAYMENT_PROVIDERS = [FAKECOIN, FAKECOIN]

    with pytest.raises(ValueError, match="unique name"):
        provider_get("fakecoin")
