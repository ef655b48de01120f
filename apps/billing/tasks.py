"""Billing jobs. Thin: each calls one service and turns its "try again in N s" into a Celery
retry. Eager mode (no Redis) never retries inline: the reconciler and the order status page
re-drive the work instead, so an upstream outage cannot spin a request."""

import smtplib

from celery import shared_task
from django.conf import settings

from apps.core.services.notifications import operators_notify
from apps.core.tasks import MAIL_JOB_RETRIES

from .models import StripeEvent
from .services import (
    key_adjustment_apply,
    order_email_send,
    order_provision,
    orders_reconcile,
    stripe_event_process,
)
from .services.results import JobResult


def _retry_if_due(task, result: JobResult) -> str:
    if result.retry_in is None or task.request.is_eager:
        return result.outcome
    limit = settings.BILLING_PROVISION_MAX_RETRIES
    if task.request.retries >= limit:
        return result.outcome  # the reconciler takes it from here
    # Explicit: max_retries=None means "the task's default" (3) to Celery, not "no limit".
    raise task.retry(countdown=result.retry_in, max_retries=limit)


@shared_task(bind=True, acks_late=True, ignore_result=True)
def provision_order(self, order_id: int) -> str:
    return _retry_if_due(self, order_provision(order_id=order_id))


@shared_task(bind=True, acks_late=True, ignore_result=True)
def apply_key_adjustment(self, adjustment_id: int) -> str:
    return _retry_if_due(self, key_adjustment_apply(adjustment_id=adjustment_id))


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=6,
)
def send_order_email(order_id: int, kind: str) -> bool:
    return order_email_send(order_id=order_id, kind=kind)


@shared_task(**MAIL_JOB_RETRIES)
def send_operator_alert(subject: str, body: str) -> None:
    """Kept for alerts queued before the deploy: new ones go through the core job
    (apps.core.services.notifications.operators_notify_on_commit)."""
    operators_notify(subject=subject, body=body)


@shared_task(acks_late=True, ignore_result=True)
def process_stripe_event(event_pk: int) -> str:
    """Processes a stored delivery again (the reconciler's stand-in for a Stripe redelivery)."""
    record = StripeEvent.objects.filter(pk=event_pk).first()
    return stripe_event_process(record=record).outcome if record is not None else "missing"


@shared_task(ignore_result=True)
def reconcile_orders() -> dict:
    """Beat, every couple of minutes: re-drive stuck paid orders, pending refund effects, unsent
    receipts and async payments waiting for Stripe to settle."""
    report = orders_reconcile()
    for order_id in report.due:
        provision_order.delay(order_id)
    for adjustment_id in report.adjustments:
        apply_key_adjustment.delay(adjustment_id)
    for order_id in report.receipts:
        send_order_email.delay(order_id, "receipt")
    for event_pk in report.events:
        process_stripe_event.delay(event_pk)
    return {
        "due": len(report.due),
        "given_up": len(report.given_up),
        "adjustments": len(report.adjustments),
        "receipts": len(report.receipts),
        "events": len(report.events),
    }
