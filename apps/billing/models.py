"""Plans, orders and the Stripe deliveries that move them. State changes happen only in
`apps.billing.services`; these classes hold data and invariants."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q

from apps.billing.products import DEFAULT_PRODUCT_KIND, product_kinds
from apps.core.models import BaseModel
from apps.core.validators import validate_single_line

# The metadata key that marks a Stripe object as ours and names the order (its public id).
ORDER_METADATA_KEY = "storefront_order"

currency_code = RegexValidator(r"^[a-z]{3}$", "Use a lowercase ISO 4217 code such as usd or eur.")


class Plan(BaseModel):
    """A package of one product on sale. Editing a plan never changes orders already placed: they
    keep a snapshot of kind, quantity, price and currency.

    `product_kind` names the product in billing's registry (settings.BILLING_PRODUCTS); it is
    checked against the registry, not database choices, so a new kind needs no migration. `gb` is
    the quantity the product delivers: GB for pool traffic (the name stays from when it was the
    only product)."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=80, validators=[validate_single_line])  # in receipt subjects
    tagline = models.CharField(max_length=200, blank=True)
    product_kind = models.CharField(
        "product", max_length=32, default=DEFAULT_PRODUCT_KIND, help_text="What the plan sells (a registered product)."
    )
    gb = models.DecimalField(
        "GB",
        max_digits=10,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text="The quantity sold: GB for proxy traffic.",
    )
    price = models.DecimalField(max_digits=13, decimal_places=2, validators=[MinValueValidator(Decimal("0.50"))])
    currency = models.CharField(max_length=3, default="usd", validators=[currency_code])
    validity_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="The key expires this many days after purchase; a later purchase extends it. Empty: no expiry.",
    )
    active = models.BooleanField(default=True, help_text="Only active plans are shown and can be bought.")
    sort_order = models.PositiveIntegerField(default=0)
    highlighted = models.BooleanField(default=False, help_text="Shown as the recommended plan.")

    class Meta:
        ordering = ["sort_order", "price", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(gb__gt=0), name="billing_plan_gb_positive"),
            models.CheckConstraint(condition=Q(price__gt=0), name="billing_plan_price_positive"),
            models.CheckConstraint(
                condition=Q(validity_days__isnull=True) | Q(validity_days__gt=0), name="billing_plan_validity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.gb} GB, {self.price} {self.currency.upper()})"

    def clean(self) -> None:
        super().clean()
        if self.product_kind not in product_kinds():
            raise ValidationError({"product_kind": f"No product of kind {self.product_kind!r} is sold here."})

    @property
    def price_per_gb(self) -> Decimal:
        return (self.price / self.gb).quantize(Decimal("0.01"))


class BillingProfile(BaseModel):
    """Per-customer billing state: the reusable Stripe customer id, and a short lease that lets
    only one job at a time change this customer's proxy key (mint, top-up, refund effects)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="billing_profile")
    stripe_customer_id = models.CharField(max_length=255, blank=True)
    key_lease_until = models.DateTimeField(null=True, blank=True)
    key_lease_owner = models.CharField(max_length=64, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["stripe_customer_id"],
                condition=~Q(stripe_customer_id=""),
                name="billing_profile_stripe_customer_unique",
            )
        ]

    def __str__(self) -> str:
        return f"billing profile of {self.user}"


class Order(BaseModel):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending payment"
        PAID = "paid", "Paid, provisioning"
        PROVISIONED = "provisioned", "Provisioned"
        EXPIRED = "expired", "Checkout expired"
        FAILED = "failed", "Failed"
        REFUNDED = "refunded", "Refunded"
        DISPUTED = "disputed", "Disputed"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="orders")
    # Snapshot of the plan at purchase time (`gb`: the product's quantity, GB for pool traffic).
    product_kind = models.CharField("product", max_length=32, default=DEFAULT_PRODUCT_KIND)
    plan_name = models.CharField(max_length=80)
    gb = models.DecimalField("GB", max_digits=10, decimal_places=2)
    price = models.DecimalField(max_digits=13, decimal_places=2)
    currency = models.CharField(max_length=3, validators=[currency_code])
    validity_days = models.PositiveIntegerField(null=True, blank=True)

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    failure_reason = models.CharField(max_length=500, blank=True)

    # Stripe side.
    stripe_checkout_session_id = models.CharField(max_length=255, blank=True)
    stripe_payment_intent_id = models.CharField(max_length=255, blank=True, db_index=True)
    stripe_customer_id = models.CharField(max_length=255, blank=True)
    checkout_url = models.TextField(blank=True)
    payment_status = models.CharField(max_length=32, blank=True, help_text="Last payment_status Stripe reported.")
    amount_paid = models.DecimalField(max_digits=13, decimal_places=2, null=True, blank=True)
    amount_refunded = models.DecimalField(max_digits=13, decimal_places=2, default=Decimal("0.00"))

    paid_at = models.DateTimeField(null=True, blank=True)
    provisioned_at = models.DateTimeField(null=True, blank=True)
    expired_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)
    disputed_at = models.DateTimeField(null=True, blank=True)

    # Provisioning bookkeeping: the order's side of it (the product keeps its own decisions, keyed
    # by the order's reference). started_at: when this round of attempts began.
    provisioning_started_at = models.DateTimeField(null=True, blank=True)
    provisioning_deadline = models.DateTimeField(
        null=True, blank=True, help_text="After this, the reconciler stops retrying and flags the order."
    )
    provisioning_attempts = models.PositiveIntegerField(default=0)
    provisioning_next_attempt_at = models.DateTimeField(null=True, blank=True)
    provisioning_error = models.TextField(blank=True)
    provisioning_gb = models.DecimalField(
        "GB to deliver",
        max_digits=12,
        decimal_places=3,
        null=True,
        blank=True,
        help_text="Fixed when provisioning starts: the order's GB less any refunded before delivery.",
    )
    fulfilment_ref = models.CharField(
        "delivery",
        max_length=64,
        blank=True,
        db_index=True,
        help_text="The product's id of what this order delivered (for pool traffic: the key).",
    )

    receipt_sent_at = models.DateTimeField(null=True, blank=True)
    ready_sent_at = models.DateTimeField(null=True, blank=True)
    operator_alerted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "paid_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(gb__gt=0), name="billing_order_gb_positive"),
            models.CheckConstraint(condition=Q(price__gt=0), name="billing_order_price_positive"),
            models.CheckConstraint(condition=Q(amount_refunded__gte=0), name="billing_order_refund_not_negative"),
            models.CheckConstraint(
                condition=~Q(status__in=["paid", "provisioned"]) | Q(paid_at__isnull=False),
                name="billing_order_paid_has_paid_at",
            ),
            models.CheckConstraint(
                condition=~Q(status="provisioned") | ~Q(fulfilment_ref=""),
                name="billing_order_provisioned_has_delivery",
            ),
            models.UniqueConstraint(
                fields=["stripe_checkout_session_id"],
                condition=~Q(stripe_checkout_session_id=""),
                name="billing_order_session_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"order {self.reference} ({self.plan_name}, {self.get_status_display()})"

    @property
    def reference(self) -> str:
        """Short public reference: shown to customers, used in upstream labels."""
        return self.public_id.hex[:16]

    @property
    def idempotency_prefix(self) -> str:
        return f"sf-order-{self.public_id.hex}"

    @property
    def needs_attention(self) -> bool:
        return self.status == self.Status.FAILED and self.paid_at is not None


class KeyAdjustment(BaseModel):
    """What one refund or dispute (or a dispute's closure) does to the customer's key. Recorded
    once per Stripe refund total or dispute (a unique constraint), then applied upstream once by
    a job, when the order's goods have been delivered."""

    class Kind(models.TextChoices):
        REFUND = "refund", "Refund"
        DISPUTE = "dispute", "Dispute"
        # A dispute's closure, recorded under the dispute's id: won gives back what it took.
        DISPUTE_WON = "dispute_won", "Dispute won"
        DISPUTE_LOST = "dispute_lost", "Dispute lost"

    class Action(models.TextChoices):
        REDUCE_CAP = "reduce_cap", "Reduce the cap"
        DISABLE = "disable", "Disable the key"
        RAISE_CAP = "raise_cap", "Raise the cap back"
        ENABLE = "enable", "Enable the key again"
        NONE = "none", "No change"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPLIED = "applied", "Applied"
        SKIPPED = "skipped", "Nothing to change"
        FAILED = "failed", "Failed"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="adjustments")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    action = models.CharField(max_length=16, choices=Action.choices)
    reference = models.CharField(max_length=255, help_text="Stripe charge id and refunded total, or dispute id.")
    amount = models.DecimalField(max_digits=13, decimal_places=2)
    gb = models.DecimalField("GB", max_digits=10, decimal_places=2)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    # The product's plan for this change (for pool traffic: the cap before and the target cap),
    # filled once before the first upstream call, so a retry sends exactly the same change.
    plan = models.JSONField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "kind", "reference"], name="billing_adjustment_once"),
            models.CheckConstraint(condition=Q(amount__gte=0) & Q(gb__gte=0), name="billing_adjustment_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.amount} on {self.order.reference} ({self.get_status_display()})"


class StripeEvent(models.Model):
    """Every verified delivery, stored before it is acted upon (one row per Stripe event id)."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100, db_index=True)
    livemode = models.BooleanField(default=False)
    payload = models.JSONField()
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.PROTECT, related_name="stripe_events")
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    last_received_at = models.DateTimeField(null=True, blank=True)
    deliveries = models.PositiveIntegerField(default=1)
    attempts = models.PositiveIntegerField(default=0, help_text="Processing attempts.")
    processed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    outcome = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    traceback = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"
