"""Billing services: every write to plans, orders and Stripe events goes through here.
Split by concern; import from this package."""

from .adjustments import order_record_dispute, order_record_refund
from .adjustments_apply import key_adjustment_apply
from .checkout import CheckoutStart, billing_customer_id_ensure, billing_profile_get, checkout_start
from .disputes import order_record_dispute_closed
from .emails import order_email_send
from .events import (
    WebhookResult,
    stripe_event_ingest,
    stripe_event_process,
    stripe_event_record,
    stripe_webhook_receive,
)
from .orders import (
    TRANSITIONS,
    IllegalTransition,
    order_create,
    order_expire,
    order_mark_failed,
    order_mark_paid,
    order_mark_payment_failed,
    order_mark_underpaid,
    order_retry_provisioning,
    order_transition,
)
from .provisioning import order_provision, order_provisioning_nudge
from .reconcile import ReconcileReport, orders_reconcile
from .results import JobResult

__all__ = [
    "TRANSITIONS",
    "CheckoutStart",
    "IllegalTransition",
    "JobResult",
    "ReconcileReport",
    "WebhookResult",
    "billing_customer_id_ensure",
    "billing_profile_get",
    "checkout_start",
    "key_adjustment_apply",
    "order_create",
    "order_email_send",
    "order_expire",
    "order_mark_failed",
    "order_mark_paid",
    "order_mark_payment_failed",
    "order_mark_underpaid",
    "order_provision",
    "order_provisioning_nudge",
    "order_record_dispute",
    "order_record_dispute_closed",
    "order_record_refund",
    "order_retry_provisioning",
    "order_transition",
    "orders_reconcile",
    "stripe_event_ingest",
    "stripe_event_process",
    "stripe_event_record",
    "stripe_webhook_receive",
]
