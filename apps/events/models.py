import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

EVENT_ID_PREFIX = "evt_"


def event_id_new() -> str:
    return EVENT_ID_PREFIX + secrets.token_hex(12)


class EventType(models.TextChoices):
    ORDER_PAID = "order.paid"
    ORDER_PROVISIONED = "order.provisioned"
    ORDER_FAILED = "order.failed"
    ORDER_REFUNDED = "order.refunded"
    KEY_CREATED = "key.created"
    KEY_TOPPED_UP = "key.topped_up"
    KEY_USAGE_THRESHOLD = "key.usage_threshold"
    KEY_SUSPENDED = "key.suspended"
    KEY_REENABLED = "key.reenabled"
    KEY_EXPIRING = "key.expiring"
    KEY_EXPIRED = "key.expired"
    KEY_SECRET_REGENERATED = "key.secret_regenerated"
    PORT_CREATED = "port.created"
    PORT_ROTATED = "port.rotated"
    PORT_EXPIRING = "port.expiring"
    PORT_EXPIRED = "port.expired"
    WEBHOOK_TEST = "webhook.test"


class ResourceType(models.TextChoices):
    ORDER = "order"
    KEY = "key"
    PORT = "port"
    WEBHOOK_ENDPOINT = "webhook_endpoint"


class Event(models.Model):
    """One outbox row. The payload's data is built when it is delivered (the resource's state
    then, with the API's serializers), so only references and small facts are kept here."""

    public_id = models.CharField(max_length=32, unique=True, default=event_id_new, editable=False)
    type = models.CharField(max_length=48, choices=EventType.choices, db_index=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="events")
    resource_type = models.CharField(max_length=32, choices=ResourceType.choices)
    resource_id = models.CharField(max_length=64)
    extra = models.JSONField(default=dict, blank=True, help_text="Small facts (threshold, reason); never a secret.")
    fanned_out_at = models.DateTimeField(null=True, blank=True, help_text="When deliveries were made for it.")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["fanned_out_at", "created_at"])]

    def __str__(self) -> str:
        return f"{self.public_id} {self.type}"
