from datetime import datetime

from django.db.models import QuerySet

from apps.accounts.models import User
from apps.core.errors import NotFound

from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint


def webhook_endpoint_list_for_customer(*, customer: User) -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.filter(customer=customer).order_by("created_at", "id")


def webhook_endpoint_get_for_customer(*, customer: User, endpoint_id: int) -> WebhookEndpoint:
    """The caller's endpoint; anyone else's is NotFound like a missing one."""
    endpoint = WebhookEndpoint.objects.filter(customer=customer, pk=endpoint_id).first()
    if endpoint is None:
        raise NotFound("No such webhook endpoint.")
    return endpoint


def webhook_delivery_list_for_endpoint(*, endpoint: WebhookEndpoint) -> QuerySet[WebhookDelivery]:
    return endpoint.deliveries.select_related("event").order_by("-created_at", "-id")


def webhook_delivery_get_for_customer(*, customer: User, delivery_id: int) -> WebhookDelivery:
    delivery = (
        WebhookDelivery.objects.select_related("endpoint", "event")
        .filter(endpoint__customer=customer, pk=delivery_id)
        .first()
    )
    if delivery is None:
        raise NotFound("No such webhook delivery.")
    return delivery


def webhook_failure_rate(*, start: datetime, end: datetime) -> tuple[int, int]:
    """(failed attempts, all attempts) in [start, end): the console overview's figure."""
    attempts = WebhookAttempt.objects.filter(created_at__gte=start, created_at__lt=end)
    return attempts.filter(succeeded=False).count(), attempts.count()
