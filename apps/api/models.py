from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy


class IdempotencyRecord(models.Model):
    """The first answer to a write sent with an `Idempotency-Key` header, per customer and key.

    The row is the claim: inserted before the write runs (a unique constraint makes a concurrent
    duplicate fail), completed with the answer after it. A retry with the same key and the same
    request replays the answer; with a different request it is refused (422)."""

    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64, help_text=gettext_lazy("SHA-256 of method, path and JSON body."))
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["customer", "key"], name="api_idempotency_once_per_customer")]

    def __str__(self) -> str:
        return f"{self.key} ({self.status_code or 'in progress'})"
