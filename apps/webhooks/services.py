"""Webhook endpoints (create, change, rotate, test) and deliveries (fan out, attempt, retry)."""

import base64
import random
import secrets as secrets_module
from collections.abc import Iterable
from datetime import timedelta

from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.errors import ApplicationError
from apps.core.jobs import job_enqueue_on_commit, job_task
from apps.core.mail import mail_enqueue
from apps.events.models import Event, EventType, ResourceType
from apps.events.services import event_record

from .models import MAX_ENDPOINTS_PER_CUSTOMER, DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from .payloads import event_payload
from .sender import SendResult, send
from .targets import TargetRefused, target_resolve

DELIVER_JOB = "webhooks.deliver"
SECRET_PREFIX = "whsec_"
ROTATION_OVERLAP = timedelta(hours=24)
GIVE_UP_AFTER = timedelta(days=3)
# Seconds after the 1st, 2nd, ... failed attempt; the last repeats until 3 days have passed.
RETRY_SCHEDULE = (5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600)
JITTER = 0.1
MAX_RETRY_AFTER = 10 * 3600
RESPONSE_BODY_KEPT = 2048
SHORT_DELAY = 5 * 60  # retries this soon are queued with a countdown; later ones by the sweep
# How long the sweep leaves an event or a due delivery to the job queued for it.
SWEEP_EVENT_GRACE = timedelta(seconds=30)
SWEEP_DELIVERY_GRACE = timedelta(seconds=60)


class WebhookLimitReached(ApplicationError):
    pass


def webhook_secret_new() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets_module.token_bytes(24)).decode()


def event_types_clean(event_types: Iterable[str]) -> list[str]:
    chosen = sorted(set(event_types))
    unknown = [t for t in chosen if t not in EventType.values]
    if unknown:
        raise ApplicationError(_("Unknown event type: %(type)s") % {"type": unknown[0]})
    return chosen


def webhook_endpoint_create(
    *, customer: User, url: str, event_types: Iterable[str] = (), description: str = "", enabled: bool = True
) -> tuple[WebhookEndpoint, str]:
    """The new endpoint and its secret (shown to the customer once)."""
    target_resolve(url)
    types = event_types_clean(event_types)
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=customer.pk).first()  # serialises the count below
        if WebhookEndpoint.objects.filter(customer=customer).count() >= MAX_ENDPOINTS_PER_CUSTOMER:
            raise WebhookLimitReached(
                _("At most %(count)d webhook endpoints per account.") % {"count": MAX_ENDPOINTS_PER_CUSTOMER}
            )
        secret = webhook_secret_new()
        endpoint = WebhookEndpoint.objects.create(
            customer=customer, url=url, event_types=types, description=description, enabled=enabled, secret=secret
        )
    return endpoint, secret


def webhook_endpoint_update(
    *,
    endpoint: WebhookEndpoint,
    url: str | None = None,
    event_types: Iterable[str] | None = None,
    description: str | None = None,
    enabled: bool | None = None,
) -> WebhookEndpoint:
    if url is not None:
        target_resolve(url)
        endpoint.url = url
    if event_types is not None:
        endpoint.event_types = event_types_clean(event_types)
    if description is not None:
        endpoint.description = description
    if enabled is not None:
        endpoint.enabled = enabled
        if enabled:
            endpoint.disabled_reason, endpoint.failing_since = "", None
    endpoint.save()
    return endpoint


def webhook_endpoint_delete(*, endpoint: WebhookEndpoint) -> None:
    endpoint.delete()


def webhook_endpoint_rotate_secret(*, endpoint: WebhookEndpoint) -> str:
    """A new secret; the old one keeps signing (beside the new) for 24 hours."""
    new_secret = webhook_secret_new()
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = timezone.now() + ROTATION_OVERLAP
    endpoint.secret = new_secret
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"])
    return new_secret


def webhook_endpoint_disable(*, endpoint: WebhookEndpoint, reason: str) -> None:
    endpoint.enabled = False
    endpoint.disabled_reason = reason[:200]
    endpoint.save(update_fields=["enabled", "disabled_reason", "updated_at"])


def webhook_endpoint_test(*, endpoint: WebhookEndpoint) -> Event:
    """A webhook.test event sent to this endpoint only."""
    return event_record(
        type=EventType.WEBHOOK_TEST,
        customer_id=endpoint.customer_id,
        resource_type=ResourceType.WEBHOOK_ENDPOINT,
        resource_id=endpoint.pk,
    )


def endpoint_secrets(endpoint: WebhookEndpoint) -> list[str]:
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and expires > timezone.now():
        return [endpoint.secret, endpoint.previous_secret]
    return [endpoint.secret]


def webhook_fan_out(*, event_id: int) -> int:
    """One delivery per subscribed, enabled endpoint (the unique constraint makes a re-run a no-op).
    Returns how many deliveries were made now."""
    with transaction.atomic():
        event = Event.objects.select_for_update().filter(pk=event_id).first()
        if event is None:
            return 0
        endpoints = WebhookEndpoint.objects.filter(customer_id=event.customer_id, enabled=True)
        if event.type == EventType.WEBHOOK_TEST:
            endpoints = endpoints.filter(pk=event.resource_id)
        made = 0
        for endpoint in endpoints:
            if not endpoint.wants(event.type) and event.type != EventType.WEBHOOK_TEST:
                continue
            delivery, created = WebhookDelivery.objects.get_or_create(
                endpoint=endpoint, event=event, defaults={"next_attempt_at": timezone.now()}
            )
            if created:
                made += 1
                job_enqueue_on_commit(DELIVER_JOB, delivery.pk)
        if event.fanned_out_at is None:
            event.fanned_out_at = timezone.now()
            event.save(update_fields=["fanned_out_at"])
    return made


def retry_delay(*, attempt_count: int, retry_after: int | None = None) -> float:
    """Seconds until the next attempt after `attempt_count` failed ones, with ±10 % jitter."""
    if retry_after is not None:
        return float(min(max(retry_after, 1), MAX_RETRY_AFTER))
    base = RETRY_SCHEDULE[min(attempt_count, len(RETRY_SCHEDULE)) - 1]
    return base * random.uniform(1 - JITTER, 1 + JITTER)


def retryable(result: SendResult) -> bool:
    code = result.status_code
    return code is None or code == 429 or code >= 500


def webhook_delivery_attempt(*, delivery_id: int, transport=None) -> str | None:
    """Sends a due delivery once (row-locked, so two workers never send it together) and decides
    what comes next. Returns the delivery's status, or None if it was not due or is busy."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint", "event")
            .filter(pk=delivery_id, status=DeliveryStatus.PENDING)
            .first()
        )
        now = timezone.now()
        if delivery is None or (delivery.next_attempt_at and delivery.next_attempt_at > now):
            return None
        endpoint = delivery.endpoint
        if not endpoint.enabled:
            delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
            delivery.save(update_fields=["status", "next_attempt_at", "updated_at"])
            return delivery.status
        result = attempt_send(delivery, transport=transport)
        delivery_after_attempt(delivery, result)
        return delivery.status


def attempt_send(delivery: WebhookDelivery, *, transport=None) -> SendResult:
    try:
        target = target_resolve(delivery.endpoint.url)
    except TargetRefused as exc:
        return SendResult(None, "", f"refused: {exc}", 0)
    event = delivery.event
    return send(
        target=target,
        payload=event_payload(event),
        msg_id=event.public_id,
        timestamp=timezone.now(),
        secrets=endpoint_secrets(delivery.endpoint),
        transport=transport,
    )


def delivery_after_attempt(delivery: WebhookDelivery, result: SendResult) -> None:
    now = timezone.now()
    succeeded = result.status_code is not None and 200 <= result.status_code < 300
    WebhookAttempt.objects.create(
        delivery=delivery,
        status_code=result.status_code,
        latency_ms=result.latency_ms,
        response_body=result.body[:RESPONSE_BODY_KEPT],
        error=result.error[:300],
        succeeded=succeeded,
    )
    delivery.attempt_count += 1
    delivery.last_attempt_at = now
    delivery.last_status_code = result.status_code
    endpoint = delivery.endpoint
    if succeeded:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.SUCCEEDED, None
        if endpoint.failing_since is not None:
            endpoint.failing_since = None
            endpoint.save(update_fields=["failing_since", "updated_at"])
    elif result.status_code == 410:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
        webhook_endpoint_disable(endpoint=endpoint, reason="The endpoint answered 410 Gone.")
    else:
        endpoint_failed(endpoint, now)
        give_up = now - delivery.created_at >= GIVE_UP_AFTER or not retryable(result) or not endpoint.enabled
        if give_up:
            delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
        else:
            delay = retry_delay(attempt_count=delivery.attempt_count, retry_after=result.retry_after)
            delivery.next_attempt_at = now + timedelta(seconds=delay)
            if delay <= SHORT_DELAY:
                transaction.on_commit(lambda: deliver_later(delivery.pk, delay), robust=True)
    delivery.save()


def deliver_later(delivery_id: int, delay: float) -> None:
    task = job_task(DELIVER_JOB)
    if task.app.conf.task_always_eager:
        return  # inline mode: the sweep picks it up when due
    task.apply_async(args=(delivery_id,), countdown=delay)


def endpoint_failed(endpoint: WebhookEndpoint, now) -> None:
    """Failing for 3 days disables the endpoint and tells the customer."""
    if endpoint.failing_since is None:
        endpoint.failing_since = now
        endpoint.save(update_fields=["failing_since", "updated_at"])
        return
    if endpoint.enabled and now - endpoint.failing_since >= GIVE_UP_AFTER:
        webhook_endpoint_disable(endpoint=endpoint, reason="Every delivery failed for 3 days.")
        endpoint_disabled_mail(endpoint)


def endpoint_disabled_mail(endpoint: WebhookEndpoint) -> None:
    body = _(
        "Every delivery to your webhook endpoint %(url)s has failed for 3 days, so we disabled it. "
        "Fix the receiver, then enable the endpoint again on the dashboard's API tab."
    ) % {"url": endpoint.url}
    message = EmailMessage(subject=_("Your webhook endpoint was disabled"), body=body, to=[endpoint.customer.email])
    mail_enqueue(message=message, kind="webhook_disabled")


def webhook_delivery_redeliver(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Sends the event again now, whatever became of it."""
    if not delivery.endpoint.enabled:
        raise ApplicationError(_("Enable the endpoint first."))
    delivery.status, delivery.next_attempt_at = DeliveryStatus.PENDING, timezone.now()
    delivery.save(update_fields=["status", "next_attempt_at", "updated_at"])
    job_enqueue_on_commit(DELIVER_JOB, delivery.pk)
    return delivery


def webhook_sweep(
    *,
    limit: int = 500,
    event_grace: timedelta = SWEEP_EVENT_GRACE,
    delivery_grace: timedelta = SWEEP_DELIVERY_GRACE,
) -> int:
    """Re-drives what a lost job or a killed worker left: events still not fanned out, and deliveries
    overdue by more than the grace (a queued job normally takes them first; a duplicate job would
    find the row locked or done, so the grace only saves work). Run every 30 s by beat.
    Returns how many deliveries it queued."""
    now = timezone.now()
    stale_events = Event.objects.filter(fanned_out_at__isnull=True, created_at__lt=now - event_grace)
    for event_id in stale_events.order_by("pk").values_list("pk", flat=True)[:limit]:
        webhook_fan_out(event_id=event_id)
    overdue = WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now - delivery_grace)
    ids = list(overdue.order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    for delivery_id in ids:
        job_enqueue_on_commit(DELIVER_JOB, delivery_id)
    return len(ids)
