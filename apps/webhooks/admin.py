"""Operators' view of outgoing webhooks: endpoints (disable), deliveries (redeliver) and each
attempt's answer. Secrets are never shown."""

from django.contrib import admin, messages

from apps.core.admin_helpers import ReadOnlyAdminMixin, ReadOnlyInline, customer_link
from apps.core.errors import ApplicationError

from .models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from .services import webhook_delivery_redeliver, webhook_endpoint_disable


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("url", "customer_email", "enabled", "failing_since", "disabled_reason", "created_at")
    list_filter = ("enabled",)
    search_fields = ("url", "customer__email", "description")
    fields = (
        "customer_email",
        "url",
        "description",
        "event_types",
        "enabled",
        "disabled_reason",
        "failing_since",
        "previous_secret_expires_at",
        "created_at",
    )
    readonly_fields = fields
    actions = ["disable"]

    @admin.display(description="customer")
    def customer_email(self, obj):
        return customer_link(obj.customer)

    @admin.action(description="Disable the selected endpoints")
    def disable(self, request, queryset):
        for endpoint in queryset.filter(enabled=True):
            webhook_endpoint_disable(endpoint=endpoint, reason=f"Disabled by an operator ({request.user.email}).")
        messages.success(request, "Disabled.")


class AttemptInline(ReadOnlyInline):
    model = WebhookAttempt
    fields = ("created_at", "status_code", "latency_ms", "error", "response_body")
    readonly_fields = fields


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "event", "endpoint", "status", "attempt_count", "last_status_code", "next_attempt_at")
    list_filter = ("status",)
    search_fields = ("event__public_id", "endpoint__url", "endpoint__customer__email")
    list_select_related = ("event", "endpoint")
    fields = (
        "event",
        "endpoint",
        "status",
        "attempt_count",
        "last_status_code",
        "last_attempt_at",
        "next_attempt_at",
        "created_at",
    )
    readonly_fields = fields
    inlines = [AttemptInline]
    actions = ["redeliver"]

    @admin.action(description="Redeliver the selected deliveries now")
    def redeliver(self, request, queryset):
        done = 0
        for delivery in queryset.select_related("endpoint"):
            try:
                webhook_delivery_redeliver(delivery=delivery)
                done += 1
            except ApplicationError as exc:
                messages.warning(request, f"Delivery {delivery.pk}: {exc.message}")
        messages.success(request, f"{done} queued for redelivery.")


@admin.register(WebhookAttempt)
class WebhookAttemptAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "delivery", "succeeded", "status_code", "latency_ms", "error")
    list_filter = ("succeeded",)
    fields = ("delivery", "created_at", "succeeded", "status_code", "latency_ms", "error", "response_body")
    readonly_fields = fields
