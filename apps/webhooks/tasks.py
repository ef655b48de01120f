"""Delivery jobs, thin: each calls one service. Names are what services enqueue."""

from celery import shared_task

from .services import webhook_delivery_attempt, webhook_fan_out, webhook_sweep


@shared_task(name="webhooks.fan_out", acks_late=True)
def fan_out(event_id: int) -> int:
    return webhook_fan_out(event_id=event_id)


@shared_task(name="webhooks.deliver", acks_late=True)
def deliver(delivery_id: int) -> str | None:
    return webhook_delivery_attempt(delivery_id=delivery_id)


@shared_task(name="webhooks.sweep")
def sweep() -> int:
    return webhook_sweep()
