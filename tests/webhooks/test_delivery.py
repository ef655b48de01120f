import json
import re
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from standardwebhooks import Webhook

from apps.events.models import EventType, ResourceType
from apps.events.services import event_record
from apps.webhooks.models import DeliveryStatus, WebhookDelivery
from apps.webhooks.sender import retry_after_seconds
from apps.webhooks.services import (
    RETRY_SCHEDULE,
    webhook_delivery_attempt,
    webhook_endpoint_rotate_secret,
    webhook_fan_out,
)

pytestmark = pytest.mark.django_db


def record_and_fan_out(customer, event_type=EventType.KEY_CREATED, resource_type=ResourceType.KEY, resource_id=1):
    event = event_record(type=event_type, customer_id=customer.pk, resource_type=resource_type, resource_id=resource_id)
    webhook_fan_out(event_id=event.pk)
    return event, WebhookDelivery.objects.get(event=event)


def verified(received, secret) -> dict:
    headers = {k: received.headers[k] for k in ("webhook-id", "webhook-timestamp", "webhook-signature")}
    return Webhook(secret).verify(received.body, headers)


@pytest.mark.parametrize("event_type", [t for t in EventType.values if t != EventType.WEBHOOK_TEST])
def test_every_event_type_arrives_signed_and_verifies(customer, receiver, endpoint_and_secret, event_type):
    _endpoint, secret = endpoint_and_secret
    resource = ResourceType(event_type.split(".")[0])
    event, delivery = record_and_fan_out(customer, event_type, resource, 12345)

    assert webhook_delivery_attempt(delivery_id=delivery.pk) == DeliveryStatus.SUCCEEDED

    body = verified(receiver.requests[0], secret)
    assert body["id"] == event.public_id == receiver.requests[0].headers["webhook-id"]
    assert body["type"] == event_type
    assert body["data"]["object_type"] == resource


def test_a_key_event_carries_the_api_shape_and_no_secret(customer, key, receiver, endpoint_and_secret):
    _endpoint, secret = endpoint_and_secret
    event = event_record(
        type=EventType.KEY_USAGE_THRESHOLD,
        customer_id=customer.pk,
        resource_type=ResourceType.KEY,
        resource_id=key.pk,
        extra={"threshold": 80, "percent": 81.5},
    )
    webhook_fan_out(event_id=event.pk)
    delivery = WebhookDelivery.objects.get(event=event)
    webhook_delivery_attempt(delivery_id=delivery.pk)

    data = verified(receiver.requests[0], secret)["data"]
    assert data["object"]["id"] == key.pk and "secret_hint" in data["object"]
    assert (data["threshold"], data["percent"]) == (80, 81.5)
    assert not re.search(r"pak_[A-Za-z0-9]{6}", receiver.requests[0].body)  # the masked hint only


def test_the_test_event_goes_to_that_endpoint_only(customer, receiver, endpoint_and_secret):
    from apps.webhooks.services import webhook_endpoint_create, webhook_endpoint_test

    endpoint, secret = endpoint_and_secret
    webhook_endpoint_create(customer=customer, url=receiver.url + "/other")
    event = webhook_endpoint_test(endpoint=endpoint)
    webhook_fan_out(event_id=event.pk)

    delivery = WebhookDelivery.objects.get(event=event)
    assert delivery.endpoint == endpoint
    webhook_delivery_attempt(delivery_id=delivery.pk)
    assert verified(receiver.requests[0], secret)["type"] == "webhook.test"


def test_fan_out_twice_makes_one_delivery_per_endpoint(customer, endpoint):
    event, _delivery = record_and_fan_out(customer)
    assert webhook_fan_out(event_id=event.pk) == 0
    assert WebhookDelivery.objects.filter(event=event).count() == 1


def test_an_endpoint_not_subscribed_gets_nothing(customer, endpoint):
    endpoint.event_types = ["order.paid"]
    endpoint.save()
    event = event_record(type="key.created", customer_id=customer.pk, resource_type="key", resource_id=1)
    webhook_fan_out(event_id=event.pk)
    assert not WebhookDelivery.objects.exists()


def test_failures_are_retried_on_the_schedule_then_succeed(customer, receiver, endpoint):
    for _ in range(3):
        receiver.answer(503)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        _event, delivery = record_and_fan_out(customer)
        delays = []
        for _ in range(3):
            assert webhook_delivery_attempt(delivery_id=delivery.pk) == DeliveryStatus.PENDING
            delivery.refresh_from_db()
            delays.append((delivery.next_attempt_at - timezone.now()).total_seconds())
            assert webhook_delivery_attempt(delivery_id=delivery.pk) is None  # not due yet
            clock.move_to(delivery.next_attempt_at)
        assert webhook_delivery_attempt(delivery_id=delivery.pk) == DeliveryStatus.SUCCEEDED

    for delay, base in zip(delays, RETRY_SCHEDULE, strict=False):
        assert base * 0.9 <= delay <= base * 1.1
    assert delivery.attempts.count() == 4
    assert len(receiver.requests) == 4
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None


def test_429_honours_retry_after(customer, receiver, endpoint):
    receiver.answer(429, retry_after="120")
    _event, delivery = record_and_fan_out(customer)
    webhook_delivery_attempt(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert round((delivery.next_attempt_at - delivery.last_attempt_at).total_seconds()) == 120


def test_429_honours_a_retry_after_http_date(customer, receiver, endpoint):
    when = timezone.now().replace(microsecond=0) + timedelta(minutes=10)
    receiver.answer(429, retry_after=format_datetime(when, usegmt=True))
    _event, delivery = record_and_fan_out(customer)
    webhook_delivery_attempt(delivery_id=delivery.pk)
    delivery.refresh_from_db()
    assert abs((delivery.next_attempt_at - when).total_seconds()) <= 2


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120),
        (" 7 ", 7),
        ("1.5", 2),
        ("Wed, 02 Dec 2026 12:00:30 GMT", 30),
        ("Wed, 02 Dec 2026 11:00:00 GMT", 0),
        ("", None),
        (None, None),
        ("soon", None),
        ("-5", None),
        ("Wed, 02 Dec 2026 12:00:30", None),
    ],
)
def test_retry_after_is_read_as_seconds_or_an_http_date(header, seconds):
    now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    assert retry_after_seconds(header, now=now) == seconds


def test_a_4xx_other_than_429_is_not_retried(customer, receiver, endpoint):
    receiver.answer(400)
    _event, delivery = record_and_fan_out(customer)
    assert webhook_delivery_attempt(delivery_id=delivery.pk) == DeliveryStatus.FAILED


def test_410_disables_the_endpoint(customer, receiver, endpoint):
    receiver.answer(410)
    _event, delivery = record_and_fan_out(customer)
    assert webhook_delivery_attempt(delivery_id=delivery.pk) == DeliveryStatus.FAILED
    endpoint.refresh_from_db()
    assert not endpoint.enabled and "410" in endpoint.disabled_reason
    event = event_record(type="key.created", customer_id=customer.pk, resource_type="key", resource_id=1)
    assert webhook_fan_out(event_id=event.pk) == 0


def test_an_endpoint_failing_for_three_days_is_disabled_and_the_customer_told(
    customer, receiver, endpoint, django_capture_on_commit_callbacks
):
    for _ in range(40):
        receiver.answer(500)
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        _event, delivery = record_and_fan_out(customer)
        with django_capture_on_commit_callbacks(execute=True):
            while webhook_delivery_attempt(delivery_id=delivery.pk) == DeliveryStatus.PENDING:
                delivery.refresh_from_db()
                clock.move_to(delivery.next_attempt_at)
        elapsed = timezone.now() - start

    delivery.refresh_from_db()
    endpoint.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert timedelta(days=3) <= elapsed < timedelta(days=4)
    assert not endpoint.enabled
    assert [m.to for m in mail.outbox] == [[customer.email]]
    assert endpoint.url in mail.outbox[0].body


def test_rotation_signs_with_both_secrets_for_24_hours(customer, receiver, endpoint_and_secret):
    endpoint, old_secret = endpoint_and_secret
    new_secret = webhook_endpoint_rotate_secret(endpoint=endpoint)
    _event, delivery = record_and_fan_out(customer)
    webhook_delivery_attempt(delivery_id=delivery.pk)
    first = receiver.requests[0]
    assert len(first.headers["webhook-signature"].split(" ")) == 2
    verified(first, old_secret)
    verified(first, new_secret)

    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        _event, delivery = record_and_fan_out(customer, resource_id=2)
        webhook_delivery_attempt(delivery_id=delivery.pk)
        later = receiver.requests[1]
        assert len(later.headers["webhook-signature"].split(" ")) == 1
        verified(later, new_secret)
        with pytest.raises(Exception, match="No matching signature"):
            verified(later, old_secret)


def test_a_connection_error_is_recorded_and_retried(customer, endpoint):
    endpoint.url = "http://127.0.0.1:1/closed"
    endpoint.save()
    _event, delivery = record_and_fan_out(customer)
    assert webhook_delivery_attempt(delivery_id=delivery.pk) == DeliveryStatus.PENDING
    attempt = delivery.attempts.get()
    assert attempt.status_code is None and attempt.error.startswith("connection error")
    assert json.dumps(attempt.error)
