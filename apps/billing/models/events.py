"""Deliveries from the payment provider, stored before they are acted upon."""

from django.db import models
from django.utils.translation import gettext_lazy

from .orders import Order


class ProviderEvent(models.Model):
    """Every verified delivery from a payment provider, stored before it is acted upon (one row per
    provider and event id)."""

    provider = models.CharField(max_length=32)
    event_id = models.CharField(max_length=255)
    type = models.CharField(max_length=100, db_index=True)
    livemode = models.BooleanField(default=False)
    payload = models.JSONField()
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.PROTECT, related_name="provider_events")
    payment = models.ForeignKey(
        "billing.Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    last_received_at = models.DateTimeField(null=True, blank=True)
    deliveries = models.PositiveIntegerField(default=1)
    attempts = models.PositiveIntegerField(default=0, help_text=gettext_lazy("Processing attempts."))
    processed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    outcome = models.CharField(max_length=64, blank=True)
    error = models.TextField(blank=True)
    traceback = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["provider", "event_id"], name="billing_provider_event_once")]

    def __str__(self) -> str:
        return f"{self.provider} {self.type} {self.event_id}"
