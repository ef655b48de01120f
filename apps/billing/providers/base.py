"""The interface every payment provider implements, and the records it answers with.

A provider starts a checkout for a Payment row, verifies an incoming event, says which order an
event is about, re-reads the objects the event names (the event is a trigger, not the truth) and
turns them into EventFacts: what happened, in the shop's words. Billing's services then do the
rest, the same for every provider: confirm the payment (deciding "fully paid?"), expire or fail
the checkout, record a refund or a dispute. A provider writes nothing itself."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from apps.billing.models import Order, Payment

# A closed dispute's outcome, in the words services/disputes.py records (Stripe's statuses: an
# inquiry closed without a chargeback counts as won).
DISPUTE_WON = frozenset({"won", "warning_closed"})
DISPUTE_LOST = frozenset({"lost"})


class EventInvalid(Exception):
    """An incoming delivery that is not a verified event of this provider (400, nothing written)."""

    def __init__(self, outcome: str, detail: str) -> None:
        super().__init__(detail)
        self.outcome = outcome
        self.detail = detail


class UnknownOrder(Exception):
    """The event names a storefront order that does not exist (400, nothing written)."""


class EventRejected(Exception):
    """A verified event we cannot act on: it contradicts what the provider now says."""


class PaymentNotSettled(Exception):
    """The provider says the delayed payment succeeded, but a re-read does not show it paid yet:
    the event stays unprocessed (the provider redelivers it, the reconciler re-reads it)."""


class Fact(StrEnum):
    PAYMENT_CONFIRMED = "payment_confirmed"  # money received (amount, currency, discount)
    PAYMENT_PENDING = "payment_pending"  # the checkout is done, the money is on its way
    PAYMENT_FAILED = "payment_failed"
    CHECKOUT_EXPIRED = "checkout_expired"
    REFUND = "refund"  # amount: the cumulative refunded total of the payment
    DISPUTE_OPENED = "dispute_opened"
    DISPUTE_CLOSED = "dispute_closed"  # dispute_status: won / warning_closed / lost, or still open


@dataclass(frozen=True)
class EventFacts:
    """What a re-read event says happened. `checkout_reference` names the Payment (the provider's
    checkout id); `payment_reference` the provider's payment (refunds and disputes name that)."""

    fact: Fact
    checkout_reference: str = ""
    payment_reference: str = ""
    customer_reference: str = ""
    provider_status: str = ""
    amount: Decimal = Decimal("0.00")
    currency: str = ""
    discount: Decimal = Decimal("0.00")
    tax: Decimal = Decimal("0.00")  # included in `amount`, on top of the order's price
    billing_details: dict = field(default_factory=dict)  # name, company, address, tax ids (invoices)
    invoice_reference: str = ""  # the provider's own invoice for this payment, if it made one
    reference: str = ""  # the refunded charge or the dispute
    fully_refunded: bool = False
    dispute_status: str = ""
    reason: str = ""


@dataclass(frozen=True)
class EventHeader:
    event_id: str
    type: str
    livemode: bool = False


@dataclass(frozen=True)
class CheckoutRedirect:
    """A checkout the provider opened: where the customer pays, and its id there."""

    reference: str
    url: str
    customer_reference: str = ""
    info: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PaymentReread:
    """A payment's checkout as the provider holds it now."""

    checkout_open: bool
    url: str = ""
    expires_at: datetime | None = None
    provider_status: str = ""
    # The checkout can no longer be paid (it expired, or its time ran out): its order can close.
    checkout_expired: bool = False


class PaymentProvider:
    """The interface (with the defaults a provider may keep). Subclasses set `name` (the slug
    stored on Payment and ProviderEvent rows) and `label`, and implement the methods below."""

    name: str = ""
    label: str = ""
    # The webhook URL slug this provider answers (/billing/webhooks/<endpoint>/); defaults to name.
    endpoint: str = ""
    # Whether checkout_start wants the shop customer's record at the provider (customer_create).
    uses_customers: bool = False
    supports_refund: bool = False
    # Whether the site's checkout may send customers here (x402 is paid by agents over HTTP 402 only).
    takes_checkouts: bool = True

    @property
    def webhook_endpoint(self) -> str:
        return self.endpoint or self.name

    def is_available(self) -> bool:
        """Configured and allowed here: only an available provider takes checkouts and events."""
        raise NotImplementedError

    def customer_create(self, *, user, idempotency_key: str) -> str:
        """The provider's id of a new customer record for `user` (only if uses_customers)."""
        raise NotImplementedError

    def checkout_start(self, *, order: "Order", payment: "Payment", customer_reference: str = "") -> CheckoutRedirect:
        """Opens a checkout for `payment` (a Payment row of `order`, not yet at the provider)."""
        raise NotImplementedError

    def payment_reread(self, *, payment: "Payment") -> PaymentReread:
        """The payment's checkout as the provider holds it now (is it still open to pay?)."""
        raise NotImplementedError

    def event_verify(self, *, payload: bytes, headers: Mapping[str, str]) -> dict[str, Any]:
        """The event in a delivery, verified (signature, shape). Raises EventInvalid."""
        raise NotImplementedError

    def event_header(self, event: dict[str, Any]) -> EventHeader:
        """Id, type and mode of a verified (or in-process) event. Raises EventInvalid."""
        raise NotImplementedError

    def event_order(self, event: dict[str, Any]) -> "Order | None":
        """The order the event is about; None when it is not about a storefront payment. Raises
        UnknownOrder for an order we do not have, PaymentProviderError when a lookup fails."""
        raise NotImplementedError

    def event_facts(self, *, event: dict[str, Any], order: "Order") -> EventFacts | None:
        """Re-reads what the event names and says what happened; None for an event the shop does
        not act on. Network, called outside any lock. Raises EventRejected, PaymentNotSettled,
        PaymentProviderError."""
        raise NotImplementedError

    def invoice_url(self, *, reference: str) -> str:
        """Where the customer reads the invoice the provider issued (`Payment.invoice_reference`).
        Only providers that issue invoices implement it; the shop numbers the others' itself."""
        raise NotImplementedError(f"{self.label or self.name} issues no invoices")

    def refund(self, *, payment: "Payment", amount: Decimal, idempotency_key: str) -> str:
        """Gives `amount` of a confirmed payment back; returns the provider's refund id. The
        provider's own refund event then records it (only if supports_refund)."""
        raise NotImplementedError(f"{self.label or self.name} payments cannot be refunded from the shop")
