"""The proxies part of the operator console: pool keys with their actions (pool_keys.py), and
the read-only list of the customer alerts the jobs sent (operator alerts: apps/core/admin.py)."""

from django.contrib import admin

from apps.core.admin_helpers import ReadOnlyAdminMixin, admin_link
from apps.proxies.models import PoolKeyAlert

from .pool_keys import PoolKeyAdmin

__all__ = ["PoolKeyAdmin", "PoolKeyAlertAdmin"]


# Alerts are records written by the jobs: looked at, never edited or deleted by hand (deleting a
# claim would send the alert again).


@admin.register(PoolKeyAlert)
class PoolKeyAlertAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("claimed_at", "kind", "key_link", "customer", "sent_at", "skipped")
    list_filter = ("kind", ("sent_at", admin.EmptyFieldListFilter))
    search_fields = ("pool_key__customer__email", "pool_key__label", "pool_key__upstream_id")
    list_select_related = ("pool_key__customer",)
    date_hierarchy = "claimed_at"

    @admin.display(description="key", ordering="pool_key__label")
    def key_link(self, obj: PoolKeyAlert) -> str:
        return admin_link(obj.pool_key, obj.pool_key.label)

    @admin.display(description="customer", ordering="pool_key__customer__email")
    def customer(self, obj: PoolKeyAlert) -> str:
        return obj.pool_key.customer.email
