"""Operators: the overview's failure rate, redeliver and disable from the admin."""

import pytest

from apps.events.services import event_record
from apps.webhooks.models import DeliveryStatus, WebhookDelivery
from apps.webhooks.services import webhook_delivery_attempt, webhook_fan_out

pytestmark = pytest.mark.django_db


def failed_delivery(customer, receiver):
    receiver.answer(400)
    event = event_record(type="key.created", customer_id=customer.pk, resource_type="key", resource_id=1)
    webhook_fan_out(event_id=event.pk)
    delivery = WebhookDelivery.objects.get()
    webhook_delivery_attempt(delivery_id=delivery.pk)
    return delivery


def test_the_overview_shows_the_failure_rate(ops, customer, receiver, endpoint):
    failed_delivery(customer, receiver)
    page = ops.get("/admin/overview/").content.decode()
    assert 'id="ov-webhooks"' in page and "100.0 %" in page and "1 of 1" in page


def test_redeliver_and_disable_actions(ops, customer, receiver, endpoint, django_capture_on_commit_callbacks):
    delivery = failed_delivery(customer, receiver)
    with django_capture_on_commit_callbacks(execute=True):
        ops.post("/admin/webhooks/webhookdelivery/", {"action": "redeliver", "_selected_action": [delivery.pk]})
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SUCCEEDED and len(receiver.requests) == 2
    ops.post("/admin/webhooks/webhookendpoint/", {"action": "disable", "_selected_action": [endpoint.pk]})
    endpoint.refresh_from_db()
    assert not endpoint.enabled and "operator" in endpoint.disabled_reason
    assert endpoint.secret not in ops.get(f"/admin/webhooks/webhookendpoint/{endpoint.pk}/change/").content.decode()
