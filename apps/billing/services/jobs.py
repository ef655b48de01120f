"""Billing's job names and the text helper its services share. Jobs are enqueued after the
commit by name through `apps.core.jobs.job_enqueue_on_commit` (services never import tasks)."""

from apps.core.jobs import job_enqueue, job_enqueue_on_commit
from apps.core.logging import mask_secrets

# The Celery names of billing's jobs (apps/billing/tasks.py registers them under these).
PROVISION_ORDER = "billing.provision_order"
APPLY_KEY_ADJUSTMENT = "billing.apply_key_adjustment"
SEND_ORDER_EMAIL = "billing.send_order_email"
SEND_OPERATOR_ALERT = "billing.send_operator_alert"
PROCESS_PROVIDER_EVENT = "billing.process_provider_event"
RECONCILE_ORDERS = "billing.reconcile_orders"
EXPIRE_CHECKOUTS = "billing.expire_checkouts"

__all__ = [
    "APPLY_KEY_ADJUSTMENT",
    "EXPIRE_CHECKOUTS",
    "PROCESS_PROVIDER_EVENT",
    "PROVISION_ORDER",
    "RECONCILE_ORDERS",
    "SEND_OPERATOR_ALERT",
    "SEND_ORDER_EMAIL",
    "failure_text",
    "job_enqueue",
    "job_enqueue_on_commit",
]


def failure_text(text: str, limit: int = 500) -> str:
    """Error text from a payment provider or the upstream, fit to store (failure reasons, audit,
    alerts)."""
    return mask_secrets(str(text))[:limit]
