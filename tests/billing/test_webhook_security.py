"""Deliveries we cannot trust or place get a 4xx and leave no trace: no stored event, no order
change, no upstream call."""

import json
import time
import uuid

import pytest

from apps.billing.models import ORDER_METADATA_KEY, Order, ProviderEvent
from apps.core.models import AuditEntry

from .stripe_events import WEBHOOK_URL, completed_paid, outcome_of, post_event, sign
from .support import upstream_keys

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_event(start_checkout):
    order, session = start_checkout()
    return order, completed_paid(session)


def assert_nothing_happened(order: Order) -> None:
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
    assert order.paid_at is None
    assert ProviderEvent.objects.count() == 0
    assert upstream_keys() == []
    assert (
        not AuditEntry.objects.filter(action__startswith="order.", target_id=str(order.pk))
        .exclude(action="order.created")
        .exists()
    )


def test_missing_signature_is_refused(client, paid_event):
    order, event = paid_event

    response = post_event(client, event, sign_it=False)

    assert response.status_code == 400
    assert outcome_of(response) == "bad_signature"
    assert_nothing_happened(order)


def test_signature_with_another_secret_is_refused(client, paid_event):
    order, event = paid_event

    response = post_event(client, event, secret="whsec_not_the_endpoint_secret_000000")

    assert response.status_code == 400
    assert_nothing_happened(order)


def test_signature_of_another_body_is_refused(client, paid_event):
    order, event = paid_event
    body = json.dumps(event)
    header = sign(body.replace('"paid"', '"unpaid"'))

    response = post_event(client, body, signature=header)

    assert response.status_code == 400
    assert_nothing_happened(order)


@pytest.mark.parametrize("header", ["", "garbage", "t=notanumber,v1=abc", "v1=deadbeef", "t=1700000000"])
def test_malformed_signature_header_is_refused(client, paid_event, header):
    order, event = paid_event

    response = post_event(client, event, signature=header or " ")

    assert response.status_code == 400
    assert_nothing_happened(order)


def test_stale_timestamp_is_refused(client, paid_event):
    """Correctly signed, but older than the library's default tolerance (5 minutes): a replay."""
    order, event = paid_event

    response = post_event(client, event, timestamp=int(time.time()) - 301)

    assert response.status_code == 400
    assert outcome_of(response) == "bad_signature"
    assert_nothing_happened(order)


@pytest.mark.parametrize(
    "body",
    [
        '{"id": "evt_1", "type": ',
        "[1, 2, 3]",
        '"just a string"',
        "{}",
        '{"id": "evt_1", "type": "checkout.session.completed", "data": []}',
        '{"id": 5, "type": "checkout.session.completed", "data": {"object": {}}}',
    ],
)
def test_malformed_json_is_refused_even_when_signed(client, paid_event, body):
    order, _event = paid_event

    response = post_event(client, body)

    assert response.status_code == 400
    assert outcome_of(response) == "malformed"
    assert_nothing_happened(order)


def test_non_utf8_body_is_refused(client, paid_event):
    order, _event = paid_event

    response = client.post(
        WEBHOOK_URL,
        data=b"\xff\xfe\x00garbage",
        content_type="application/json",
        headers={"Stripe-Signature": sign("x")},
    )

    assert response.status_code == 400
    assert_nothing_happened(order)


@pytest.mark.parametrize("ref", ["00000000-0000-4000-8000-000000000000", "not-a-uuid", "42"])
def test_unknown_order_id_is_refused(client, paid_event, ref):
    order, event = paid_event
    event["data"]["object"]["metadata"][ORDER_METADATA_KEY] = ref

    response = post_event(client, event)

    assert response.status_code == 400
    assert outcome_of(response) == "unknown_order"
    assert_nothing_happened(order)


def test_refund_for_unknown_order_is_refused(client, paid_event):
    from .stripe_events import charge_refunded

    order, _event = paid_event
    event = charge_refunded(order, amount_refunded=order.price)
    event["data"]["object"]["metadata"][ORDER_METADATA_KEY] = str(uuid.uuid4())

    response = post_event(client, event)

    assert response.status_code == 400
    assert_nothing_happened(order)


def test_get_is_not_allowed(client, db):
    assert client.get(WEBHOOK_URL).status_code == 405
    assert ProviderEvent.objects.count() == 0


def test_unknown_event_type_is_stored_and_ignored(client, db):
    event = {
        "id": "evt_test_unknown_1",
        "object": "event",
        "type": "customer.created",
        "livemode": False,
        "data": {"object": {"id": "cus_123", "object": "customer"}},
    }

    response = post_event(client, event)

    assert response.status_code == 200
    assert outcome_of(response) == "ignored"
    stored = ProviderEvent.objects.get(event_id="evt_test_unknown_1")
    assert stored.processed_at is not None
    assert stored.order is None


def test_session_of_another_integration_is_stored_and_ignored(client, paid_event):
    """Same Stripe account, another product: no storefront metadata, nothing to do, 200."""
    order, event = paid_event
    event["data"]["object"]["metadata"] = {"other_shop_order": "123"}

    response = post_event(client, event)

    assert response.status_code == 200
    assert outcome_of(response) == "ignored"
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
    assert upstream_keys() == []


def test_webhook_is_exempt_from_csrf(paid_event):
    from django.test import Client

    order, event = paid_event
    strict = Client(enforce_csrf_checks=True)

    response = post_event(strict, event)

    assert response.status_code == 200


def test_signed_event_with_a_malformed_object_is_refused_and_kept_for_review(client, buy, monkeypatch):
    from apps.sandbox.payments import charges

    from .stripe_events import charge_refunded

    order = buy()
    event = charge_refunded(order, amount_refunded=order.price)
    # The object acted on is the re-read one: the payment side answers with a malformed charge.
    real = charges.sandbox_charge_dict
    monkeypatch.setattr(charges, "sandbox_charge_dict", lambda charge: {**real(charge), "amount_refunded": "a lot"})

    response = post_event(client, event)

    assert response.status_code == 200  # acknowledged; its job did the processing
    assert outcome_of(response) == "malformed"
    stored = ProviderEvent.objects.get(event_id=event["id"])
    assert stored.processed_at is None
    assert "ValueError" in stored.error
    order.refresh_from_db()
    assert order.status == Order.Status.PROVISIONED
    assert order.amount_refunded == 0
