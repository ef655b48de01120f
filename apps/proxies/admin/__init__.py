"""The proxies part of the operator console: pool keys with their actions (pool_keys.py), and
read-only lists of the alerts the jobs sent."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from apps.proxies.models import OperatorAlert, PoolKeyAlert

from .pool_keys import PoolKeyAdmin

__all__ = ["OperatorAlertAdmin", "PoolKeyAdmin", "PoolKeyAlertAdmin"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written by the jobs: looked at, never edited or deleted by hand (deleting a claim
    would send the alert again)."""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PoolKeyAlert)
class PoolKeyAlertAdmin(ReadOnlyAdmin):
    list_display = ("claimed_at", "kind", "key_link", "customer", "sent_at", "skipped")
    list_filter = ("kind", ("sent_at", admin.EmptyFieldListFilter))
    search_fields = ("pool_key__customer__email", "pool_key__label", "pool_key__upstream_id")
    list_select_related = ("pool_key__customer",)
    date_hierarchy = "claimed_at"

    @admin.display(description="key", ordering="pool_key__label")
    def key_link(self, obj: PoolKeyAlert) -> str:
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:proxies_poolkey_change", args=[obj.pool_key_id]), obj.pool_key.label
        )

    @admin.display(description="customer", ordering="pool_key__customer__email")
    def customer(self, obj: PoolKeyAlert) -> str:
        return obj.pool_key.customer.email


@admin.register(OperatorAlert)
class OperatorAlertAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "subject", "sent_at")
    list_filter = ("kind", ("sent_at", admin.EmptyFieldListFilter))
    search_fields = ("subject", "dedup_key")
    date_hierarchy = "created_at"
