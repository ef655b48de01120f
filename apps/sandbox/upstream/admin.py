"""The sandbox's state in the admin: keys and events to look at (changes go through the API so
they are audited), incidents and faults to stage a demo. Secrets are never shown."""

from django.contrib import admin

from .models import SandboxAuditEvent, SandboxFaultConfig, SandboxFaultRule, SandboxIncident, SandboxKey, SandboxSession
from .wire import new_id


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SandboxKey)
class SandboxKeyAdmin(ReadOnlyAdmin):
    list_display = ("public_id", "label", "enabled", "traffic_cap_gb", "traffic_used_mb", "expires_at", "last_used_at")
    list_filter = ("enabled",)
    search_fields = ("public_id", "label")
    exclude = ("secret",)


@admin.register(SandboxAuditEvent)
class SandboxAuditEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "action", "pak_id", "auth_method", "ip", "request_id")
    list_filter = ("action", "auth_method")
    search_fields = ("pak_id", "request_id", "public_id")


@admin.register(SandboxSession)
class SandboxSessionAdmin(ReadOnlyAdmin):
    list_display = ("session_key", "pool", "country", "is_synthesized", "last_activity_at", "expires_at")
    list_filter = ("pool", "is_synthesized")


@admin.register(SandboxIncident)
class SandboxIncidentAdmin(admin.ModelAdmin):
    list_display = ("title", "severity", "started_at", "resolved_at")
    list_filter = ("severity",)
    exclude = ("public_id",)

    def save_model(self, request, obj, form, change):
        obj.public_id = obj.public_id or new_id("inc_", 8)
        super().save_model(request, obj, form, change)


@admin.register(SandboxFaultConfig)
class SandboxFaultConfigAdmin(admin.ModelAdmin):
    list_display = ("__str__", "jitter_ms", "seed")
    exclude = ("counter",)

    def has_add_permission(self, request):
        return not SandboxFaultConfig.objects.exists()  # one row (pk=1), created on first use

    def save_model(self, request, obj, form, change):
        obj.pk = 1
        super().save_model(request, obj, form, change)


@admin.register(SandboxFaultRule)
class SandboxFaultRuleAdmin(admin.ModelAdmin):
    list_display = ("__str__", "status", "retry_after", "drop_mode", "remaining", "phase")
