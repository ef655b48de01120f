"""What the payment simulator holds, the way Stripe holds it: checkout sessions, the charge a paid
session makes, and the dispute a charge may get. Billing re-reads these before acting on an
event, as it re-reads Stripe's objects; amounts are in minor units, like Stripe's."""

from django.db import models
from django.db.models import F, Q

from apps.core.models import BaseModel


class SandboxCheckoutSession(BaseModel):
    """The test-payment page's stand-in for a Stripe Checkout Session (sandbox payments only)."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        COMPLETE = "complete", "Complete"
        EXPIRED = "expired", "Expired"

    class PaymentStatus(models.TextChoices):
        UNPAID = "unpaid", "Unpaid"
        PAID = "paid", "Paid"

    id = models.CharField(max_length=80, primary_key=True)
    order = models.ForeignKey("billing.Order", on_delete=models.PROTECT, related_name="sandbox_sessions")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    payment_status = models.CharField(max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.UNPAID)
    payment_intent_id = models.CharField(max_length=80)
    customer_id = models.CharField(max_length=80, blank=True)
    customer_email = models.EmailField(blank=True)
    amount_total = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3)
    success_url = models.TextField()
    cancel_url = models.TextField()
    metadata = models.JSONField(default=dict)
    expires_at = models.DateTimeField()
    last_message = models.CharField(max_length=200, blank=True)
    # "Pay later": the bank debit clears (or fails) at this moment, a few seconds after the
    # customer is back at the shop, so the shop's "waiting for your payment" state is seen.
    settles_at = models.DateTimeField(null=True, blank=True)
    settle_outcome = models.CharField(max_length=16, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.id


class SandboxCharge(BaseModel):
    """The charge a paid session made (one per session). Refunds add up in amount_refunded."""

    id = models.CharField(max_length=80, primary_key=True)
    session = models.OneToOneField(SandboxCheckoutSession, on_delete=models.PROTECT, related_name="charge")
    payment_intent_id = models.CharField(max_length=80, db_index=True)
    amount = models.PositiveBigIntegerField()
    amount_refunded = models.PositiveBigIntegerField(default=0)
    currency = models.CharField(max_length=3)
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_refunded__lte=F("amount")), name="sandbox_charge_refund_within_amount"
            ),
        ]

    def __str__(self) -> str:
        return self.id

    @property
    def refunded(self) -> bool:
        return self.amount_refunded >= self.amount


class SandboxDispute(BaseModel):
    """A dispute on a charge (at most one per charge, as on Stripe)."""

    class Status(models.TextChoices):
        # Stripe's dispute statuses (https://docs.stripe.com/api/disputes/object#dispute_object-status).
        WARNING_NEEDS_RESPONSE = "warning_needs_response", "Inquiry: needs response"
        WARNING_UNDER_REVIEW = "warning_under_review", "Inquiry: under review"
        WARNING_CLOSED = "warning_closed", "Inquiry closed"
        NEEDS_RESPONSE = "needs_response", "Needs response"
        UNDER_REVIEW = "under_review", "Under review"
        WON = "won", "Won"
        LOST = "lost", "Lost"

    id = models.CharField(max_length=80, primary_key=True)
    charge = models.OneToOneField(SandboxCharge, on_delete=models.PROTECT, related_name="dispute")
    amount = models.PositiveBigIntegerField()
    currency = models.CharField(max_length=3)
    reason = models.CharField(max_length=40, default="general")
    status = models.CharField(max_length=24, choices=Status.choices, default=Status.NEEDS_RESPONSE)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.id

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.NEEDS_RESPONSE
