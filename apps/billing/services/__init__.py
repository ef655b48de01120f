"""Billing services: every write to plans, orders, payments and provider events goes through
here. Split by concern; import from this package."""

from .adjustments import order_record_dispute, order_record_refund
from .adjustments_apply import key_adjustment_apply
from .checkout import CheckoutStart, billing_profile_get, checkout_start, provider_customer_ensure
from .checkout_close import checkout_cancel, checkout_resume_url, checkouts_expire
from .disputes import order_record_dispute_closed
from .emails import order_email_send
from .events import (
    WebhookResult,
    provider_event_accept,
    provider_event_ingest,
    provider_event_process,
    provider_event_receive,
    provider_event_record,
)
from .orders import (
    TRANSITIONS,
    IllegalTransition,
    order_create,
    order_expire,
    order_mark_failed,
    order_mark_payment_failed,
    order_open,
    order_retry_provisioning,
    order_transition,
)
from .payment_confirm import payment_confirm
from .payments import (
    PAYMENT_TRANSITIONS,
    IllegalPaymentTransition,
    payment_attach_checkout,
    payment_cancel,
    payment_checkout_failed,
    payment_create,
    payment_fail,
    payment_note_pending,
    payment_transition,
)
from .provisioning import order_provision, order_provisioning_nudge
from .reconcile import ReconcileReport, orders_reconcile
from .results import JobResult

__all__ = [
    "PAYMENT_TRANSITIONS",
    "TRANSITIONS",
    "CheckoutStart",
    "IllegalPaymentTransition",
    "IllegalTransition",
    "JobResult",
    "ReconcileReport",
    "WebhookResult",
    "billing_profile_get",
    "checkout_cancel",
    "checkout_resume_url",
    "checkout_start",
    "checkouts_expire",
    "key_adjustment_apply",
    "order_create",
    "order_open",
    "order_email_send",
    "order_expire",
    "order_mark_failed",
    "order_mark_payment_failed",
    "order_provision",
    "order_provisioning_nudge",
    "order_record_dispute",
    "order_record_dispute_closed",
    "order_record_refund",
    "order_retry_provisioning",
    "order_transition",
    "orders_reconcile",
    "payment_attach_checkout",
    "payment_cancel",
    "payment_checkout_failed",
    "payment_confirm",
    "payment_create",
    "payment_fail",
    "payment_note_pending",
    "payment_transition",
    "provider_customer_ensure",
    "provider_event_accept",
    "provider_event_ingest",
    "provider_event_process",
    "provider_event_receive",
    "provider_event_record",
]
