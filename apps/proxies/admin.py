"""A read-mostly view of the key mirror. Changes go through the services (the operator console
with its audited actions comes later); nothing here writes to a key."""

from django.contrib import admin

from .models import PoolKey, PoolKeyStatus


@admin.register(PoolKey)
class PoolKeyAdmin(admin.ModelAdmin):
    list_display = ("label", "customer", "usage", "status_display", "expires_at", "last_used_at", "last_synced_at")
    list_select_related = ("customer",)
    list_filter = ("enabled", "missing_upstream", "disabled_by_operator")
    search_fields = ("customer__email", "label", "upstream_id", "session_tag")
    search_help_text = "Customer e-mail, label, upstream id or session tag."
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    readonly_fields = (
        "customer",
        "upstream_id",
        "label",
        "cap_gb",
        "used_mb",
        "usage",
        "status_display",
        "enabled",
        "disabled_by_operator",
        "expires_at",
        "last_used_at",
        "last_synced_at",
        "missing_upstream",
        "deleted_at",
        "secret_hint",
        "session_tag",
        "created_at",
        "updated_at",
    )
    fields = readonly_fields

    @admin.display(description="used / cap")
    def usage(self, obj: PoolKey) -> str:
        used = f"{obj.used_gb:.2f}"
        if obj.cap_gb is None:
            return f"{used} GB / unlimited"
        return f"{used} / {obj.cap_gb.normalize():f} GB ({obj.percent_used:.0f} %)"

    @admin.display(description="status")
    def status_display(self, obj: PoolKey) -> str:
        return PoolKeyStatus(obj.status).label

    @admin.display(description="secret")
    def secret_hint(self, obj: PoolKey) -> str:
        return obj.secret_hint

    def has_add_permission(self, request) -> bool:
        return False  # keys are minted by paid orders or the console, through the services

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # deleting must go upstream first (pool_key_delete)
