"""Invoices, tax and promotion codes: Stripe's invoice for Stripe payments, the shop's gapless
numbered invoice for the others; tax recorded apart from the price; billing details kept."""

import threading
from decimal import Decimal

import pytest
from django.db import close_old_connections, connection

from apps.accounts.selectors import brand_get
from apps.accounts.services import brand_update
from apps.billing.models import Invoice, Order
from apps.billing.services import payment_confirm

from .factories import OrderFactory, PaymentFactory, order_payment
from .stripe_events import post_event
from .stripe_fakes import REAL_WEBHOOK_SECRET
from .test_checkout import _real_event

pytestmark = pytest.mark.django_db


def _confirm(order: Order, **money) -> str:
    money.setdefault("amount_received", order.price)
    return payment_confirm(payment_id=PaymentFactory(order=order, provider="sandbox").pk, currency="usd", **money)


def test_checkout_asks_stripe_for_an_invoice_and_the_billing_details(customer_client, plan, stripe_api):
    customer_client.post("/billing/checkout/starter/")

    form = stripe_api.calls("POST", "/v1/checkout/sessions")[0].form
    assert form["invoice_creation[enabled]"] == "True" or form["invoice_creation[enabled]"] == "true"
    assert form["billing_address_collection"] == "required"
    assert form["tax_id_collection[enabled]"] in {"True", "true"}
    assert form["customer_update[address]"] == "auto"
    assert "automatic_tax[enabled]" not in form
    assert "allow_promotion_codes" not in form


def test_stripe_tax_and_promotion_codes_are_switched_on_by_settings(customer_client, plan, stripe_api, settings):
    settings.STRIPE_AUTOMATIC_TAX = True
    settings.STRIPE_PROMOTION_CODES = True

    customer_client.post("/billing/checkout/starter/")

    form = stripe_api.calls("POST", "/v1/checkout/sessions")[0].form
    assert form["automatic_tax[enabled]"] in {"True", "true"}
    assert form["allow_promotion_codes"] in {"True", "true"}


def test_a_paid_stripe_session_records_tax_discount_details_and_stripe_invoice(
    client, customer_client, plan, stripe_api
):
    customer_client.post("/billing/checkout/starter/")  # $35.00
    order = Order.objects.get()
    session = stripe_api.pay(order_payment(order).reference)
    session.update(
        amount_total=3430,  # 35.00 - 7.00 promotion + 5.43 tax (rounded by Stripe)
        total_details={"amount_discount": 700, "amount_tax": 630},
        invoice="in_fake0001",
        customer_details={
            "name": "Ada Lovelace",
            "business_name": "Analytical Engines Ltd",
            "email": "ada@example.com",
            "address": {"line1": "1 Engine St", "city": "London", "postal_code": "N1", "country": "GB"},
            "tax_ids": [{"type": "gb_vat", "value": "GB123456789"}],
        },
    )

    response = post_event(client, _real_event(stripe_api, order), secret=REAL_WEBHOOK_SECRET)

    assert response.status_code == 200
    order.refresh_from_db()
    payment = order_payment(order)
    assert order.status == Order.Status.PROVISIONED
    assert (payment.amount_received, payment.discount, payment.tax) == (
        Decimal("34.30"),
        Decimal("7.00"),
        Decimal("6.30"),
    )
    assert order.billing_details["company"] == "Analytical Engines Ltd"
    assert order.billing_details["tax_ids"] == [{"type": "gb_vat", "value": "GB123456789"}]
    invoice = order.invoice
    assert invoice.provider_invoice_id == "in_fake0001" and invoice.number == ""
    assert (invoice.subtotal, invoice.discount, invoice.tax, invoice.total) == (
        Decimal("35.00"),
        Decimal("7.00"),
        Decimal("6.30"),
        Decimal("34.30"),
    )


def test_tax_does_not_count_towards_the_price():
    order = OrderFactory()  # $35.00: 35.00 received of which 5.00 tax is 30.00 for the order

    assert _confirm(order, amount_received=Decimal("35.00"), tax=Decimal("5.00")) == "underpaid"
    assert not Invoice.objects.exists()


def test_other_providers_get_gapless_numbers_per_year(time_machine):
    time_machine.move_to("2026-12-31 23:00:00+00:00")
    first, second = OrderFactory(), OrderFactory()
    _confirm(first)
    _confirm(second)
    time_machine.move_to("2027-01-01 00:30:00+00:00")
    third = OrderFactory()
    _confirm(third)

    numbers = [Order.objects.get(pk=o.pk).invoice.number for o in (first, second, third)]
    assert numbers == ["2026-000001", "2026-000002", "2027-000001"]


def test_an_unpaid_or_underpaid_order_gets_no_invoice():
    _confirm(OrderFactory(), amount_received=Decimal("1.00"))
    OrderFactory()

    assert not Invoice.objects.exists()


def test_a_redelivered_confirmation_keeps_one_invoice():
    order = OrderFactory()
    payment = PaymentFactory(order=order, provider="sandbox")
    for _ in range(2):
        payment_confirm(payment_id=payment.pk, amount_received=order.price, currency="usd")

    assert Invoice.objects.filter(order=order).count() == 1


def test_the_invoice_carries_the_sellers_legal_details():
    brand = brand_get()
    brand.legal_name, brand.legal_address, brand.tax_id = (
        "Proxy Reseller GmbH",
        "Hauptstr. 1\n10115 Berlin",
        "DE123456789",
    )
    brand_update(brand=brand)
    order = OrderFactory()
    _confirm(order)

    seller = Invoice.objects.get(order=order).seller
    assert seller["name"] == "Proxy Reseller GmbH"
    assert seller["tax_id"] == "DE123456789"
    assert "Berlin" in seller["address"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_orders_paid_at_the_same_time_get_consecutive_numbers():
    orders = [OrderFactory() for _ in range(6)]
    payments = [PaymentFactory(order=o, provider="sandbox") for o in orders]
    barrier = threading.Barrier(len(orders))
    errors = []

    def pay(payment, order):
        try:
            barrier.wait()
            payment_confirm(payment_id=payment.pk, amount_received=order.price, currency="usd")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=pay, args=pair) for pair in zip(payments, orders, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(Invoice.objects.values_list("sequence", flat=True)) == [1, 2, 3, 4, 5, 6]


def test_the_customer_reads_the_numbered_invoice_page(customer_client, customer):
    order = OrderFactory(customer=customer)
    _confirm(order)

    receipt = customer_client.get(f"/dashboard/orders/{order.public_id}/").content.decode()
    page = customer_client.get(f"/dashboard/orders/{order.public_id}/invoice/")

    assert f"/dashboard/orders/{order.public_id}/invoice/" in receipt
    assert page.status_code == 200
    body = page.content.decode()
    assert f"Invoice {Order.objects.get(pk=order.pk).invoice.number}" in body
    assert "35.00 USD" in body


def test_another_customers_invoice_is_a_404(customer_client):
    order = OrderFactory()
    _confirm(order)

    assert customer_client.get(f"/dashboard/orders/{order.public_id}/invoice/").status_code == 404


def test_an_unpaid_orders_invoice_is_a_404(customer_client, customer):
    order = OrderFactory(customer=customer)

    assert customer_client.get(f"/dashboard/orders/{order.public_id}/invoice/").status_code == 404


def test_a_stripe_invoice_redirects_to_stripes_hosted_page(client, customer_client, plan, stripe_api):
    customer_client.post("/billing/checkout/starter/")
    order = Order.objects.get()
    stripe_api.pay(order_payment(order).reference).update(invoice="in_fake0042")
    stripe_api.invoices["in_fake0042"] = {
        "id": "in_fake0042",
        "object": "invoice",
        "hosted_invoice_url": "https://invoice.stripe.com/i/acct_x/test_abc",
    }
    post_event(client, _real_event(stripe_api, order), secret=REAL_WEBHOOK_SECRET)

    response = customer_client.get(f"/dashboard/orders/{order.public_id}/invoice/")

    assert response.status_code == 302
    assert response["Location"] == "https://invoice.stripe.com/i/acct_x/test_abc"


def test_stripe_down_while_reading_its_invoice_is_a_clear_message(client, customer_client, plan, stripe_api):
    customer_client.post("/billing/checkout/starter/")
    order = Order.objects.get()
    stripe_api.pay(order_payment(order).reference).update(invoice="in_fake0043")
    post_event(client, _real_event(stripe_api, order), secret=REAL_WEBHOOK_SECRET)
    stripe_api.failures = [503]

    response = customer_client.get(f"/dashboard/orders/{order.public_id}/invoice/", follow=True)

    assert response.status_code == 200
    assert b"could not be fetched from the payment provider" in response.content
