"""What refunds and disputes do to the key an order delivered."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy

from apps.core.models import BaseModel

from .orders import Order


class KeyAdjustment(BaseModel):
    """What one refund or dispute (or a dispute's closure) does to the customer's key. Recorded
    once per Stripe refund total or dispute (a unique constraint), then applied upstream once by
    a job, when the order's goods have been delivered."""

    class Kind(models.TextChoices):
        REFUND = "refund", gettext_lazy("Refund")
        DISPUTE = "dispute", gettext_lazy("Dispute")
        # A dispute's closure, recorded under the dispute's id: won gives back what it took.
        DISPUTE_WON = "dispute_won", gettext_lazy("Dispute won")
        DISPUTE_LOST = "dispute_lost", gettext_lazy("Dispute lost")

    class Action(models.TextChoices):
        REDUCE_CAP = "reduce_cap", gettext_lazy("Reduce the cap")
        DISABLE = "disable", gettext_lazy("Disable the key")
        RAISE_CAP = "raise_cap", gettext_lazy("Raise the cap back")
        ENABLE = "enable", gettext_lazy("Enable the key again")
        NONE = "none", gettext_lazy("No change")

    class Status(models.TextChoices):
        PENDING = "pending", gettext_lazy("Pending")
        APPLIED = "applied", gettext_lazy("Applied")
        SKIPPED = "skipped", gettext_lazy("Nothing to change")
        FAILED = "failed", gettext_lazy("Failed")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="adjustments")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    action = models.CharField(max_length=16, choices=Action.choices)
    reference = models.CharField(
        max_length=255, help_text=gettext_lazy("Stripe charge id and refunded total, or dispute id.")
    )
    amount = models.DecimalField(max_digits=13, decimal_places=2)
    gb = models.DecimalField(gettext_lazy("GB"), max_digits=10, decimal_places=2)
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
