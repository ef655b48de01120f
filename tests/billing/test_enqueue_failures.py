"""Review regressions: enqueueing a job after the payment is committed cannot fail the webhook
or cost the receipt; the reconciler heals provisioning and re-drives unsent receipts."""

import pytest
from django.core import mail
from kombu.exceptions import OperationalError

from apps.billing.models import Order, ProviderEvent
from apps.billing.tasks import provision_order, send_order_email

from .stripe_events import completed_paid, outcome_of, post_event, session_event
from .support import reconcile_later, upstream_keys, upstream_mints

pytestmark = pytest.mark.django_db


def _broker_down(*args, **kwargs):
    raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")


def _receipts(customer) -> list:
    return [m for m in mail.outbox if m.to == [customer.email] and "receipt" in m.subject.lower()]


def test_broker_down_for_provisioning_still_answers_200_and_sends_the_receipt(
    client, start_checkout, customer, monkeypatch
):
    order, session = start_checkout()
    event = completed_paid(session)
    with monkeypatch.context() as patched:
        patched.setattr(provision_order, "delay", _broker_down)
        response = post_event(client, event)

    assert response.status_code == 200
    assert outcome_of(response) == "paid"
    assert ProviderEvent.objects.get(event_id=event["id"]).processed_at is not None
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert upstream_mints() == 0
    assert len(_receipts(customer)) == 1

    reconcile_later()

    order.refresh_from_db()
    assert order.status == Order.Status.PROVISIONED
    assert len(upstream_keys()) == 1
    assert len(_receipts(customer)) == 1


def test_receipt_that_could_not_be_enqueued_is_sent_once_before_ready_and_not_again_by_the_reconciler(
    client, start_checkout, customer, monkeypatch
):
    order, session = start_checkout()
    real_delay = send_order_email.delay

    def receipt_broker_down(order_id, kind):
        if kind == "receipt":
            _broker_down()
        return real_delay(order_id, kind)

    with monkeypatch.context() as patched:
        patched.setattr(send_order_email, "delay", receipt_broker_down)
        response = post_event(client, completed_paid(session))

    assert response.status_code == 200
    order.refresh_from_db()
    assert order.status == Order.Status.PROVISIONED
    # "Your proxy is ready" sends the receipt first when it has not gone out yet.
    assert order.receipt_sent_at is not None
    assert len(_receipts(customer)) == 1

    reconcile_later()
    reconcile_later(minutes=60)

    order.refresh_from_db()
    assert order.receipt_sent_at is not None
    assert len(_receipts(customer)) == 1


def test_reconciler_sends_no_receipt_for_an_unpaid_order(client, start_checkout, customer):
    order, session = start_checkout()
    post_event(client, session_event(session, payment_status="unpaid", status="complete"))

    reconcile_later()

    order.refresh_from_db()
    assert order.receipt_sent_at is None
    assert _receipts(customer) == []
