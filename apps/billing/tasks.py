"""Billing jobs. Thin: each calls one service and turns its "try again in N s" into a Celery
retry. Eager mode (no Redis) never retries inline: the reconciler and the order status page
re-drive the work instead, so an upstream outage cannot spin a request."""

import smtplib

from celery import shared_task
from django.conf import settings

from .services import key_adjustment_apply, operators_notify, order_email_send, order_provision, orders_reconcile
from .services.results import JobResult


def _retry_if_due(task, result: JobResult) -> str:
    if result.retry_in is None or task.request.is_eager:
        return result.outcome
    if task.request.retries >= settings.BILLING_PROVISION_MAX_RETRIES:
        return result.outcome  # the reconciler takes it from here
    raise task.retry(countdown=result.retry_in, max_retries=None)


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


@shared_task(
    acks_late=True,
    ignore_result=True,
    autoretry_for=(OSError, smtplib.SMTPException),
    retry_backoff=30,
    retry_backoff_max=600,
    max_retries=6,
)
def send_operator_alert(subject: str, body: str) -> None:
    operators_notify(subject=subject, body=body)


@shared_task(ignore_result=True)
def reconcile_orders() -> dict:
    """Beat, every couple of minutes: re-drive stuck paid orders and pending refund effects."""
    report = orders_reconcile()
    for order_id in report.due:
        provision_order.delay(order_id)
    for adjustment_id in report.adjustments:
        apply_key_adjustment.delay(adjustment_id)
    return {"due": len(report.due), "given_up": len(report.given_up), "adjustments": len(report.adjustments)}
