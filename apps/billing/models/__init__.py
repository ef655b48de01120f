"""Plans, orders, payments and the provider deliveries that move them. State changes happen only
in `apps.billing.services`; these classes hold data and invariants."""

from .adjustments import KeyAdjustment
from .events import ProviderEvent
from .invoices import Invoice, InvoiceSequence
from .orders import Order, OrderQuerySet
from .payments import Payment, ProviderCustomer
from .plans import BillingProfile, Plan, currency_code

# The metadata key that marks a provider's object as ours and names the order (its public id).
ORDER_METADATA_KEY = "storefront_order"

__all__ = [
    "ORDER_METADATA_KEY",
    "BillingProfile",
    "Invoice",
    "InvoiceSequence",
    "KeyAdjustment",
    "Order",
    "OrderQuerySet",
    "Payment",
    "Plan",
    "ProviderCustomer",
    "ProviderEvent",
    "currency_code",
]
