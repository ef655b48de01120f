"""The contract between billing and the products it sells.

Billing sells products; each product kind (pool traffic today) delivers through one small object
owned by the product's app, found in billing's registry (`apps.billing.products`) by kind. It
lives here, in the lowest layer, so both sides use it without importing each other: billing never
imports a product's models or upstream client, a product never imports billing.

Billing keeps the order-level state (claim, lease, attempts, backoff, deadline, status) and the
product's reference of what was delivered (`Order.fulfilment_ref`); the product keeps its own
decisions (which key, mint or top-up), keyed by the order's reference, so a retry sends the same
request with the same idempotency key.

Errors: a product raises `RetryableError` (with `retry_after` when the outside system said) for
"try again later" and `TerminalError` (or another `ApplicationError`) for "an operator decides";
`FulfilmentWait` from `prepare` means "not now, and it was not an attempt".

Billing calls at most one of a customer's fulfil/take_back/give_back at a time (its key lease),
with no database lock held and no transaction open; `prepare` is the exception: it runs inside
billing's claim transaction, with the order row locked, and must not call outside systems.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol, runtime_checkable

from .errors import RetryableError


class FulfilmentWait(RetryableError):
    """Raised by `prepare`: another of the customer's deliveries must finish first (e.g. their
    first key is still being minted). Not an attempt; billing asks again shortly."""


@dataclass(frozen=True)
class FulfilmentRequest:
    """Deliver one paid order. The same values on every retry (billing stores them at claim)."""

    customer_id: int
    order_ref: str  # the order's public reference: the product's bookkeeping key, labels
    quantity: Decimal  # what to deliver (GB for pool traffic), fixed when provisioning started
    days: int | None  # how long it is valid (None: no expiry)
    idempotency_key: str  # the order's; the product derives each upstream write's key from it
    attempt: int  # 1 for the first attempt
    first_attempt_at: datetime  # when this round of attempts began (an operator's retry starts one)
    reason: str = ""  # for the audit trail, e.g. "order 1a2b… (Pro)"
    # What the customer chose at checkout (Order.target_ref): "" the product decides, "new" a new
    # delivery (pool traffic: mint a new key), or the id of one of their deliveries to add to.
    target_ref: str = ""
    plan_slug: str = ""  # the billing plan's slug: a product with per-plan options looks them up by it
    # The customer's other orders of this product being delivered right now (paid, not delivered).
    in_flight_refs: tuple[str, ...] = ()


@dataclass(frozen=True)
class OperatorNote:
    """Delivered, but an operator should look (e.g. traffic added to a key the shop keeps disabled)."""

    subject: str  # after "Order <ref> ", e.g. "topped up a disabled key"
    body: str  # after "<email> paid order <ref> (<plan>); "


@dataclass(frozen=True)
class Delivery:
    """What `fulfil` delivered."""

    ref: str  # the product's id of what was delivered; billing stores it on the order
    label: str  # for logs, e.g. "mint, key pk_123"
    audit: dict = field(default_factory=dict)  # added to the order's `provisioned` audit entry
    needs_operator_note: OperatorNote | None = None


@dataclass(frozen=True)
class TakeBack:
    """Take back what refunded or disputed money paid for, from a delivery."""

    ref: str  # the delivery (Order.fulfilment_ref)
    customer_id: int
    order_ref: str
    quantity: Decimal  # what the money taken back paid for
    suspend: bool  # stop the delivery instead of shrinking it (REFUND_POLICY=disable)
    idempotency_key: str
    reason: str = ""
    # The product's plan for this change, stored by billing: filled once, before the first
    # upstream call (`plan_store` stores it, first writer wins, and returns what is stored), so a
    # retry sends exactly the same change.
    plan: dict | None = None
    plan_store: Callable[[dict], dict] | None = None


@dataclass(frozen=True)
class GiveBack:
    """Give back what a take-back took (a won dispute)."""

    ref: str
    customer_id: int
    order_ref: str
    quantity: Decimal  # at most this much comes back
    resume: bool  # lift the suspension the take-back made
    idempotency_key: str
    taken: TakeBack  # the take-back this reverses, with its plan
    reason: str = ""
    plan: dict | None = None
    plan_store: Callable[[dict], dict] | None = None


@dataclass(frozen=True)
class Adjusted:
    """The result of a take-back or give-back: `skipped` says why nothing changed ("" = changed)."""

    skipped: str = ""


@dataclass(frozen=True)
class DeliveryView:
    """A delivery for display."""

    label: str = ""  # operators: what was delivered, e.g. "sf-u3-1a2b (pk_123)"
    name: str = ""  # customers: what they got, e.g. "your proxy"
    admin_url: str = ""  # operators: its page in the console ("" when none)
    summary: str = ""  # customers: what this order did, e.g. "were added to your proxy"
    decision: str = ""  # operators: what the product decided for this order, e.g. "Mint a new key"


@runtime_checkable
class Product(Protocol):
    """One product kind. Implementations are plain objects, listed in settings.BILLING_PRODUCTS."""

    kind: str  # the registry key, stored on plans and orders
    label: str  # e.g. "Proxy traffic"
    unit: str  # what the quantity counts, e.g. "GB"
    min_quantity: Decimal  # the least one delivery can carry (refunds before delivery stop there)

    def prepare(self, request: FulfilmentRequest) -> None:
        """Decide how to deliver, once (inside billing's claim transaction; no outside calls)."""

    def fulfil(self, request: FulfilmentRequest) -> Delivery:
        """Deliver. Idempotent for one order: a retry replays, never delivers twice."""

    def take_back(self, request: TakeBack) -> Adjusted:
        """Apply a refund's or dispute's effect to a delivery, once."""

    def give_back(self, request: GiveBack) -> Adjusted:
        """Undo what a take-back did (a won dispute), once."""

    def describe(self, *, ref: str, order_ref: str = "") -> DeliveryView:
        """For display; `ref` may be "" (not delivered yet). Never calls outside systems."""


@runtime_checkable
class LimitedProduct(Protocol):
    """Optional for a product: one whose supply runs out (ports need a free upstream slot) says
    at checkout whether a plan can be sold now. A product without `available` always can."""

    def available(self, plan_slug: str) -> tuple[bool, str]:
        """(True, "") or (False, a message for the customer). May read the outside system."""


@runtime_checkable
class TargetedProduct(Protocol):
    """Optional for a product: one whose customer chooses where a purchase goes (top up key X,
    create a new key; renew port Y). Checkout passes the customer's choice (`Order.target_ref`:
    "", "new" or one of their delivery ids) here BEFORE it creates an order, so a refusal
    charges nothing. A product without `target_check` accepts any choice."""

    def target_check(self, *, customer_id: int, target_ref: str, plan_slug: str = "") -> None:
        """Returns when the choice is acceptable for the plan being bought (`plan_slug`: a port
        renewal needs a plan of the port's kind); raises an ApplicationError subclass whose
        message is shown to the customer otherwise. Never calls outside systems."""
