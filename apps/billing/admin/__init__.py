"""Billing in the operator console: plans are edited here; orders, payments and provider events are
records to read, with two operator actions that go through the services: retry the provisioning
of a paid order that failed, and reprocess a stored provider event that did not go through. Both are
idempotent: an order's upstream writes carry keys derived from the order, and a processed
event is never processed again, so neither can provision twice.

The admin classes live in plans.py, orders.py, payments.py and events.py; importing them here registers them."""

from .events import EventAttentionFilter, ProviderEventAdmin
from .invoices import InvoiceAdmin
from .orders import (
    KeyAdjustmentAdmin,
    KeyAdjustmentInline,
    MoneyBackFilter,
    NeedsAttentionFilter,
    OrderAdmin,
    ProviderEventInline,
)
from .payments import PaymentAdmin, PaymentInline, ProviderCustomerAdmin
from .plans import BillingProfileAdmin, PlanAdmin

__all__ = [
    "BillingProfileAdmin",
    "EventAttentionFilter",
    "InvoiceAdmin",
    "KeyAdjustmentAdmin",
    "KeyAdjustmentInline",
    "MoneyBackFilter",
    "NeedsAttentionFilter",
    "OrderAdmin",
    "PaymentAdmin",
    "PaymentInline",
    "PlanAdmin",
    "ProviderCustomerAdmin",
    "ProviderEventAdmin",
    "ProviderEventInline",
]
