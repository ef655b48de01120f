"""Stored provider events: records to read, with one operator action that goes through the
services: reprocess an event that did not go through (a processed event is never processed again)."""

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy

from apps.billing.models import ProviderEvent
from apps.billing.services import provider_event_process
from apps.core.admin_helpers import BOTH, ReadOnlyAdminMixin, admin_link, pretty_json, short_text
from apps.core.http import client_ip as _client_ip
from apps.core.services import audit_log


class EventAttentionFilter(admin.SimpleListFilter):
    title = "outcome"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("failed", "Not processed, with an error"), ("pending", "Not processed"), ("done", "Processed")]

    def queryset(self, request, queryset):
        if self.value() == "failed":
            return queryset.filter(processed_at__isnull=True).exclude(error="")
        if self.value() == "pending":
            return queryset.filter(processed_at__isnull=True)
        if self.value() == "done":
            return queryset.filter(processed_at__isnull=False)
        return queryset


@admin.register(ProviderEvent)
class ProviderEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """A delivery is a record of what a payment provider sent; the one operator action goes
    through the services."""

    list_display = (
        "event_id",
        "provider",
        "type",
        "order_link",
        "received_at",
        "deliveries",
        "attempts",
        "processed_at",
        "outcome",
        "error_short",
    )
    list_filter = (
        EventAttentionFilter,
        "provider",
        "type",
        "outcome",
        ("processed_at", admin.EmptyFieldListFilter),
    )
    search_fields = ("event_id", "order__customer__email", "error")
    date_hierarchy = "received_at"
    list_select_related = ("order",)
    readonly_fields = [
        "order_link",
        "payment_link",
        "traceback_pre",
        "payload_pre",
        *(f.name for f in ProviderEvent._meta.fields),
    ]
    fieldsets = (
        (None, {"fields": ("provider", "event_id", "type", "livemode", "order_link", "payment_link")}),
        (
            "Deliveries and processing",
            {"fields": ("received_at", "last_received_at", "deliveries", "attempts", "processed_at", "outcome")},
        ),
        ("Last error", {"fields": ("error", "traceback_pre")}),
        ("Payload as received", {"fields": ("payload_pre",)}),
    )
    actions = ["reprocess"]

    class Media:
        css = {"all": ("css/console.css",)}

    def has_operate_permission(self, request) -> bool:
        return request.user.has_perm("billing.change_providerevent")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        event = self.get_object(request, object_id)
        can_reprocess = (
            event is not None
            and event.processed_at is None
            and "reprocess" in self.get_actions(request, action_location=admin.ActionLocation.CHANGE_FORM)
        )
        return super().change_view(
            request, object_id, form_url, {"can_reprocess": can_reprocess, **(extra_context or {})}
        )

    @admin.display(description="order")
    def order_link(self, obj: ProviderEvent) -> str:
        return admin_link(obj.order, obj.order.reference) if obj.order is not None else "—"

    @admin.display(description="payment")
    def payment_link(self, obj: ProviderEvent) -> str:
        return admin_link(obj.payment) if obj.payment_id else "—"

    @admin.display(description="error")
    def error_short(self, obj: ProviderEvent) -> str:
        return short_text(obj.error)

    @admin.display(description="traceback")
    def traceback_pre(self, obj: ProviderEvent) -> str:
        return format_html("<pre>{}</pre>", obj.traceback) if obj.traceback else "—"

    @admin.display(description="payload")
    def payload_pre(self, obj: ProviderEvent) -> str:
        return pretty_json(obj.payload)

    @admin.action(
        description=gettext_lazy("Reprocess the selected events that were not processed"),
        permissions=["operate"],
        location=BOTH,
    )
    def reprocess(self, request, queryset):
        """The same code path as a delivery from the provider: an event already processed is skipped,
        so a reprocess never repeats an effect (and never provisions twice)."""
        skipped = queryset.filter(processed_at__isnull=False).count()
        for event in queryset.filter(processed_at__isnull=True).order_by("received_at"):
            result = provider_event_process(record=event)
            audit_log(
                action="console.provider_event_reprocess",
                actor=request.user,
                customer=event.order.customer if event.order_id else None,
                target=event,
                ip=_client_ip(request),
                data={
                    "provider": event.provider,
                    "event_id": event.event_id,
                    "type": event.type,
                    "outcome": result.outcome,
                    "status": result.status,
                },
            )
            level = messages.SUCCESS if result.status < 300 else messages.WARNING
            self.message_user(request, f"{event.event_id}: {result.outcome} {result.detail}".strip(), level)
        if skipped:
            self.message_user(request, f"{skipped} event(s) were already processed; nothing was repeated.")
