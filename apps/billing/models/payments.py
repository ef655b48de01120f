"""Payments: one row per attempt to pay an order through a provider (apps/billing/providers/), and
the provider's own customer record for a shop customer. State changes happen only in
`apps.billing.services.payments`, under the order's row lock."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy

from apps.core.models import BaseModel

from .orders import Order
from .plans import currency_code


class Payment(BaseModel):
    """An attempt to pay an order: created with the checkout, pending while the provider holds it,
    then confirmed (money received), failed or canceled. At most one confirmed payment per order
    (a constraint); its `amount_received` is what `Order.amount_charged` reports."""

    class State(models.TextChoices):
        CREATED = "created", gettext_lazy("Created")
        PENDING = "pending", gettext_lazy("Pending")
        CONFIRMED = "confirmed", gettext_lazy("Confirmed")
        FAILED = "failed", gettext_lazy("Failed")
        CANCELED = "canceled", gettext_lazy("Canceled")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(max_length=32, help_text=gettext_lazy("The registered payment provider (its name)."))
    state = models.CharField(max_length=16, choices=State.choices, default=State.CREATED, db_index=True)
    amount = models.DecimalField(max_digits=13, decimal_places=2, help_text=gettext_lazy("What the shop asked for."))
    currency = models.CharField(max_length=3, validators=[currency_code])
    amount_received = models.DecimalField(
        max_digits=13,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=gettext_lazy("Set when the payment is confirmed."),
    )
    currency_received = models.CharField(
        max_length=3,
        blank=True,
        help_text=gettext_lazy("The currency the provider received (normally the one asked for)."),
    )
    discount = models.DecimalField(
        max_digits=13,
        decimal_places=2,
        default=Decimal("0.00"),
        help_text=gettext_lazy("What the provider's own discount (e.g. a Stripe promotion code) took off."),
    )
    tax = models.DecimalField(
        max_digits=13,
        decimal_places=2,
        default=0,
        db_default=0,
        help_text=gettext_lazy("Tax the provider added (included in amount received)."),
    )
    invoice_reference = models.CharField(
        max_length=255, blank=True, default="", db_default="", help_text=gettext_lazy("The provider's invoice id.")
    )
    reference = models.CharField(
        max_length=255, blank=True, help_text=gettext_lazy("The provider's checkout (session) id.")
    )
    payment_reference = models.CharField(
        max_length=255, blank=True, help_text=gettext_lazy("The provider's payment id (e.g. a Stripe PaymentIntent).")
    )
    customer_reference = models.CharField(max_length=255, blank=True)
    redirect_url = models.TextField(blank=True, help_text=gettext_lazy("Where the customer pays."))
    provider_status = models.CharField(
        max_length=32, blank=True, help_text=gettext_lazy("The last raw status the provider reported.")
    )
    info = models.JSONField(default=dict, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["provider", "payment_reference"], name="billing_payment_provider_ref")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="billing_payment_amount_positive"),
            models.CheckConstraint(condition=Q(discount__gte=0), name="billing_payment_discount_not_negative"),
            models.CheckConstraint(condition=Q(tax__gte=0), name="billing_payment_tax_not_negative"),
            models.CheckConstraint(
                condition=Q(amount_received__isnull=True) | Q(amount_received__gte=0),
                name="billing_payment_received_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(state="confirmed") | Q(confirmed_at__isnull=False),
                name="billing_payment_confirmed_has_time",
            ),
            models.UniqueConstraint(
                fields=["provider", "reference"], condition=~Q(reference=""), name="billing_payment_reference_unique"
            ),
            models.UniqueConstraint(
                fields=["order"], condition=Q(state="confirmed"), name="billing_payment_one_confirmed_per_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} payment of {self.amount} {self.currency.upper()} ({self.get_state_display()})"


class ProviderCustomer(BaseModel):
    """A shop customer's record at a payment provider (a Stripe customer), created once and reused
    for every later checkout through that provider."""

    provider = models.CharField(max_length=32)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="provider_customers")
    reference = models.CharField(max_length=255)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "user"], name="billing_provider_customer_once"),
            models.UniqueConstraint(
                fields=["provider", "reference"], name="billing_provider_customer_reference_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} customer {self.reference}"
