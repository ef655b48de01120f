"""Billing jobs. Thin: each calls one service and turns its "try again in N s" into a Celery
retry. Eager mode (no Redis) never retries inline: the reconciler and the order status page
re-drive the work instead, so an upstream outage (or a mail server that is down) cannot hold a
request. Registered under explicit names (services/jobs.py), which services enqueue by."""

import logging

from celery import shared_task
from django.conf import settings

from apps.core.services.notifications import operators_notify
from apps.core.tasks import MAIL_TRANSIENT_ERRORS, mail_retry_countdown

from .models import ProviderEvent
from .services import (
    checkouts_expire,
    key_adjustment_apply,
    order_email_send,
    order_provision,
    orders_reconcile,
    provider_event_process,
)
from .services.jobs import (
    APPLY_KEY_ADJUSTMENT,
    EXPIRE_CHECKOUTS,
    PROCESS_PROVIDER_EVENT,
    PROVISION_ORDER,
    RECONCILE_ORDERS,
    SEND_OPERATOR_ALERT,
    SEND_ORDER_EMAIL,
)
from .services.results import JobResult

logger = logging.getLogger(__name__)

# A mail server outage: retried after 30 s, 1, 2, 4, 8, 10 min (about half an hour).
MAIL_MAX_RETRIES = 6


def _retry_if_due(task, result: JobResult) -> str:
    if result.retry_in is None or task.request.is_eager:
        return result.outcome
    limit = settings.BILLING_PROVISION_MAX_RETRIES
    if task.request.retries >= limit:
        return result.outcome  # the reconciler takes it from here
    # Explicit: max_retries=None means "the task's default" (3) to Celery, not "no limit".
    raise task.retry(countdown=result.retry_in, max_retries=limit)


@shared_task(name=PROVISION_ORDER, bind=True, acks_late=True, ignore_result=True)
def provision_order(self, order_id: int) -> str:
    return _retry_if_due(self, order_provision(order_id=order_id))


@shared_task(name=APPLY_KEY_ADJUSTMENT, bind=True, acks_late=True, ignore_result=True)
def apply_key_adjustment(self, adjustment_id: int) -> str:
    return _retry_if_due(self, key_adjustment_apply(adjustment_id=adjustment_id))


def _mail_retry(task, exc: BaseException, what: str):
    """A mail server outage: retried with backoff by a worker. Eagerly (no Redis) never: a retry
    would run inline and hold the webhook or page that queued the mail for minutes. The
    reconciler re-sends an unsent receipt; an alert is logged as an error either way."""
    if task.request.is_eager or task.request.retries >= MAIL_MAX_RETRIES:
        logger.error(
            "gave up on the %s after %d attempt(s): %s", what, task.request.retries + 1, exc.__class__.__name__
        )
        return False
    logger.warning("the %s failed (%s); retrying", what, exc.__class__.__name__)
    raise task.retry(exc=exc, countdown=mail_retry_countdown(task.request.retries), max_retries=MAIL_MAX_RETRIES)


@shared_task(name=SEND_ORDER_EMAIL, bind=True, acks_late=True, ignore_result=True)
def send_order_email(self, order_id: int, kind: str) -> bool:
    try:
        return order_email_send(order_id=order_id, kind=kind)
    except MAIL_TRANSIENT_ERRORS as exc:
        return _mail_retry(self, exc, f"{kind} email of order {order_id}")


@shared_task(name=SEND_OPERATOR_ALERT, bind=True, acks_late=True, ignore_result=True)
def send_operator_alert(self, subject: str, body: str) -> bool:
    """Kept for alerts queued before the deploy: new ones go through the core job
    (apps.core.services.notifications.operators_notify_on_commit)."""
    try:
        operators_notify(subject=subject, body=body)
    except MAIL_TRANSIENT_ERRORS as exc:
        return _mail_retry(self, exc, "operator alert")
    return True


# A provider unreachable on re-read: retried after 10, 20, 40, 80, 160 s, then the reconciler.
EVENT_MAX_RETRIES = 5


@shared_task(name=PROCESS_PROVIDER_EVENT, bind=True, acks_late=True, ignore_result=True)
def process_provider_event(self, event_pk: int) -> str:
    """Processes a stored delivery: enqueued by the webhook after it stored it, and by the
    reconciler for one whose job was lost or could not finish."""
    record = ProviderEvent.objects.filter(pk=event_pk).first()
    if record is None:
        return "missing"
    result = provider_event_process(record=record)
    if result.outcome == "retry_later" and not self.request.is_eager and self.request.retries < EVENT_MAX_RETRIES:
        raise self.retry(countdown=10 * 2**self.request.retries, max_retries=EVENT_MAX_RETRIES)
    return result.outcome


@shared_task(name=RECONCILE_ORDERS, ignore_result=True)
def reconcile_orders() -> dict:
    """Beat, every couple of minutes: re-drive stuck paid orders, pending refund effects, unsent
    receipts and async payments waiting for the provider to settle."""
    report = orders_reconcile()
    for order_id in report.due:
        provision_order.delay(order_id)
    for adjustment_id in report.adjustments:
        apply_key_adjustment.delay(adjustment_id)
    for order_id in report.receipts:
        send_order_email.delay(order_id, "receipt")
    for event_pk in report.events:
        process_provider_event.delay(event_pk)
    return {
        "due": len(report.due),
        "given_up": len(report.given_up),
        "adjustments": len(report.adjustments),
        "receipts": len(report.receipts),
        "events": len(report.events),
    }


@shared_task(name=EXPIRE_CHECKOUTS, ignore_result=True)
def expire_checkouts() -> dict:
    """Beat: unpaid orders whose checkout ran out close (in case the provider's event is lost)."""
    return {"closed": len(checkouts_expire())}
