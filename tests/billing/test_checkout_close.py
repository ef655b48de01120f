"""Unpaid orders close: when the checkout expires (the event, or the periodic job for checkouts
past their expiry), when the customer cancels; while open, "Continue payment" goes back to it."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from apps.billing.models import Order, Payment
from apps.billing.services import checkouts_expire
from apps.core.jobs import job_enqueue
from tests.factories import UserFactory

from .stripe_events import completed_paid, post_event

pytestmark = pytest.mark.django_db


def test_the_checkout_expiry_is_kept_on_the_payment(start_checkout):
    order, session = start_checkout()

    payment = Payment.objects.get(order=order)
    assert payment.info["checkout_expires_at"] == int(session.expires_at.timestamp())


def test_an_order_whose_checkout_ran_out_is_closed_by_the_periodic_job(start_checkout):
    order, session = start_checkout()
    assert checkouts_expire() == []

    with time_machine.travel(session.expires_at + timedelta(minutes=1)):
        job_enqueue("billing.expire_checkouts")

    order.refresh_from_db()
    assert order.status == Order.Status.EXPIRED
    assert Payment.objects.get(order=order).state == Payment.State.CANCELED


def test_a_paid_order_is_never_closed_by_the_expiry_job(client, start_checkout):
    order, session = start_checkout()
    post_event(client, completed_paid(session))

    with time_machine.travel(session.expires_at + timedelta(minutes=1)):
        assert checkouts_expire() == []

    order.refresh_from_db()
    assert order.status in {Order.Status.PAID, Order.Status.PROVISIONED}


def test_a_payment_after_the_order_closed_still_counts(client, start_checkout):
    order, session = start_checkout()
    with time_machine.travel(session.expires_at + timedelta(minutes=1)):
        checkouts_expire()

    post_event(client, completed_paid(session))

    order.refresh_from_db()
    assert order.status in {Order.Status.PAID, Order.Status.PROVISIONED}


def test_continue_payment_goes_back_to_the_open_checkout(customer_client, start_checkout):
    order, session = start_checkout()

    response = customer_client.post(f"/billing/orders/{order.public_id}/pay/")

    assert response.status_code == 303
    assert response["Location"] == Payment.objects.get(order=order).redirect_url


def test_continue_payment_on_an_expired_checkout_closes_the_order(customer_client, start_checkout):
    order, session = start_checkout()

    with time_machine.travel(session.expires_at + timedelta(minutes=1)):
        response = customer_client.post(f"/billing/orders/{order.public_id}/pay/", follow=True)

    order.refresh_from_db()
    assert order.status == Order.Status.EXPIRED
    assert "can no longer be paid" in response.content.decode()


def test_continue_payment_is_only_for_the_orders_owner(client, start_checkout):
    order, _session = start_checkout()
    client.force_login(UserFactory())

    assert client.post(f"/billing/orders/{order.public_id}/pay/").status_code == 404


def test_an_unpaid_order_is_an_order_summary_with_continue_payment_and_a_paid_one_a_receipt(
    customer_client, start_checkout, buy, pro_plan
):
    pending, _session = start_checkout(for_plan=pro_plan)
    paid = buy()

    listing = customer_client.get("/dashboard/orders/").content.decode()
    summary = customer_client.get(f"/dashboard/orders/{pending.public_id}/").content.decode()
    receipt = customer_client.get(f"/dashboard/orders/{paid.public_id}/").content.decode()

    assert "Continue payment" in listing
    assert timezone.localtime(pending.created_at).strftime("%H:%M") in listing  # rows show the time
    assert '<h1 id="receipt-title">Order summary</h1>' in summary
    assert "Total (not charged)" in summary
    assert '<h1 id="receipt-title">Receipt</h1>' in receipt
