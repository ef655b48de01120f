"""Sandbox "pay later": the customer first sees the shop's real "waiting for your payment to
clear" state; the payment clears (or fails) a few seconds later; "Try again" buys the same plan."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from apps.billing.models import Order
from apps.sandbox.payments.checkout import sandbox_payments_settle

from .support import checkout_url, post

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _settle_later(settings):
    settings.SANDBOX_PAYMENTS_SETTLE_SECONDS = 5


def test_pay_later_waits_for_the_payment_to_clear_then_provisions(
    customer_client, start_checkout, django_capture_on_commit_callbacks
):
    order, session = start_checkout()

    response = post(customer_client, checkout_url(session), {"outcome": "async_success"})
    status_page = customer_client.get(response["Location"]).content.decode()

    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
    assert "Waiting for your payment to clear" in status_page
    assert sandbox_payments_settle() == []  # not yet

    with (
        time_machine.travel(timezone.now() + timedelta(seconds=6)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert sandbox_payments_settle() == [session.pk]
        assert sandbox_payments_settle() == []  # once

    order.refresh_from_db()
    assert order.status == Order.Status.PROVISIONED


def test_pay_later_that_fails_offers_to_try_the_same_plan_again(customer_client, start_checkout):
    order, session = start_checkout()
    post(customer_client, checkout_url(session), {"outcome": "async_fail"})

    with time_machine.travel(timezone.now() + timedelta(seconds=6)):
        sandbox_payments_settle()
    status_page = customer_client.get(f"/billing/orders/{order.public_id}/status/").content.decode()

    order.refresh_from_db()
    assert order.status == Order.Status.FAILED
    assert "The payment did not go through" in status_page
    assert f'action="/billing/checkout/{order.plan.slug}/"' in status_page
    assert ">Try again</button>" in status_page
