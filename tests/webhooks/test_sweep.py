"""The sweep re-drives what a lost job or a killed worker left, and leaves fresh work to its job."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from apps.events.models import Event, EventType, ResourceType
from apps.events.services import event_record
from apps.webhooks.models import DeliveryStatus, WebhookDelivery
from apps.webhooks.services import SWEEP_DELIVERY_GRACE, SWEEP_EVENT_GRACE, webhook_fan_out, webhook_sweep

pytestmark = pytest.mark.django_db


def key_created(customer) -> Event:
    return event_record(
        type=EventType.KEY_CREATED, customer_id=customer.pk, resource_type=ResourceType.KEY, resource_id=1
    )


def test_an_event_left_unfanned_past_the_grace_is_fanned_out_and_delivered(
    customer, receiver, endpoint, django_capture_on_commit_callbacks
):
    event = key_created(customer)
    later = timezone.now() + SWEEP_EVENT_GRACE + timedelta(seconds=1)
    with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
        webhook_sweep()

    delivery = WebhookDelivery.objects.get(event=event, endpoint=endpoint)
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert len(receiver.requests) == 1
    event.refresh_from_db()
    assert event.fanned_out_at is not None


def test_a_fresh_event_is_left_to_its_own_fan_out_job(customer, receiver, endpoint):
    event = key_created(customer)

    assert webhook_sweep() == 0

    assert not WebhookDelivery.objects.filter(event=event).exists()
    assert receiver.requests == []


def test_a_delivery_overdue_past_the_grace_is_queued_again(
    customer, receiver, endpoint, django_capture_on_commit_callbacks
):
    webhook_fan_out(event_id=key_created(customer).pk)
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)

    later = timezone.now() + SWEEP_DELIVERY_GRACE + timedelta(seconds=1)
    with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
        assert webhook_sweep() == 1

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert len(receiver.requests) == 1


def test_a_delivery_just_due_is_left_to_the_job_queued_for_it(customer, receiver, endpoint):
    webhook_fan_out(event_id=key_created(customer).pk)

    assert webhook_sweep() == 0

    assert WebhookDelivery.objects.get(endpoint=endpoint).status == DeliveryStatus.PENDING
    assert receiver.requests == []


def test_a_finished_delivery_is_never_swept(customer, receiver, endpoint):
    webhook_fan_out(event_id=key_created(customer).pk)
    WebhookDelivery.objects.update(status=DeliveryStatus.SUCCEEDED, next_attempt_at=None)

    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert webhook_sweep() == 0

    assert receiver.requests == []
