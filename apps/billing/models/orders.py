"""Orders: a snapshot of the plan bought, where the order is in its life, and the bookkeeping
of its delivery."""

import uuid
from decimal import Decimal

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy

from apps.billing.products import DEFAULT_PRODUCT_KIND
from apps.core.models import BaseModel

from .plans import Plan, currency_code


class OrderQuerySet(models.QuerySet):
    def with_amount_charged(self) -> "OrderQuerySet":
        """Annotates `amount_charged_db`, read by `Order.amount_charged` without another query (and
        usable in filters, ordering and sums)."""
        payments = apps.get_model("billing", "Payment")  # defined next door (it points at Order)
        received = payments._default_manager.filter(
            order_id=OuterRef("pk"), state="confirmed", currency_received=OuterRef("currency")
        ).values("amount_received")[:1]
        return self.annotate(amount_charged_db=Coalesce(Subquery(received), Value(ZERO), output_field=MONEY))


ZERO = Decimal("0.00")
MONEY = models.DecimalField(max_digits=13, decimal_places=2)


class Order(BaseModel):
    class Status(models.TextChoices):
        PENDING = "pending", gettext_lazy("Pending payment")
        PAID = "paid", gettext_lazy("Paid, provisioning")
        PROVISIONED = "provisioned", gettext_lazy("Provisioned")
        EXPIRED = "expired", gettext_lazy("Checkout expired")
        FAILED = "failed", gettext_lazy("Failed")
        REFUNDED = "refunded", gettext_lazy("Refunded")
        DISPUTED = "disputed", gettext_lazy("Disputed")

    objects = OrderQuerySet.as_manager()

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="orders")
    # Snapshot of the plan at purchase time (`gb`: the product's quantity, GB for pool traffic).
    product_kind = models.CharField("product", max_length=32, default=DEFAULT_PRODUCT_KIND)
    plan_name = models.CharField(max_length=80)
    gb = models.DecimalField(gettext_lazy("GB"), max_digits=10, decimal_places=2)
    price = models.DecimalField(max_digits=13, decimal_places=2)
    currency = models.CharField(max_length=3, validators=[currency_code])
    validity_days = models.PositiveIntegerField(null=True, blank=True)

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    failure_reason = models.CharField(max_length=500, blank=True)

    # Payments are rows of their own (Payment); this is the total money taken back.
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
        null=True, blank=True, help_text=gettext_lazy("After this, the reconciler stops retrying and flags the order.")
    )
    provisioning_attempts = models.PositiveIntegerField(default=0)
    provisioning_next_attempt_at = models.DateTimeField(null=True, blank=True)
    provisioning_error = models.TextField(blank=True)
    provisioning_gb = models.DecimalField(
        gettext_lazy("GB to deliver"),
        max_digits=12,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=gettext_lazy("Fixed when provisioning starts: the order's GB less any refunded before delivery."),
    )
    fulfilment_ref = models.CharField(
        "delivery",
        max_length=64,
        blank=True,
        db_index=True,
        help_text=gettext_lazy("The product's id of what this order delivered (for pool traffic: the key)."),
    )

    # Who pays, as the provider collected it (name, company, address, tax ids): for the invoice.
    billing_details = models.JSONField(default=dict, db_default=Value({}, output_field=models.JSONField()), blank=True)
    # Where the customer asked this purchase to go (apps/core/fulfilment.py FulfilmentRequest):
    # "" the product decides, "new" a new delivery, or the id of one of their deliveries.
    target_ref = models.CharField(
        "target",
        max_length=64,
        blank=True,
        default="",
        help_text=gettext_lazy('The customer\'s choice: "", "new" or a delivery id.'),
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
    def amount_charged(self) -> Decimal:
        """The money actually received for this order: its confirmed payment's amount, in the
        order's currency (the provider's own discounts already taken off, refunds not: those are
        `amount_refunded`). 0.00 while nothing is confirmed, and for a payment received in another
        currency (the payment row keeps that amount)."""
        annotated = getattr(self, "amount_charged_db", None)
        if annotated is not None:
            return annotated
        received = (
            self.payments.filter(state="confirmed", currency_received=self.currency)
            .values_list("amount_received", flat=True)
            .first()
        )
        return received if received is not None else ZERO

    @property
    def amount_shown(self) -> Decimal:
        """What a list of orders shows as an order's amount: the money received once it is paid,
        the price before."""
        return self.amount_charged if self.paid_at is not None else self.price

    @property
    def payment_in_flight(self) -> bool:
        """A checkout completed whose money has not arrived yet (a bank debit): the provider holds a
        payment for it, not yet confirmed."""
        return self.payments.filter(state="pending").exclude(payment_reference="").exists()

    @property
    def needs_attention(self) -> bool:
        return self.status == self.Status.FAILED and self.paid_at is not None
