"""Deliveries from the payment provider, stored before they are acted upon."""

from django.db import models

from .orders import Order


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
