"""The proxies part of the operator console: pool keys with their actions (pool_keys.py), the
read-only list of the customer alerts the jobs sent (operator alerts: apps/core/admin.py), and
the customers' GB moves between their keys with their states."""

from django.contrib import admin
from django.utils.translation import gettext_lazy

from apps.core.admin_helpers import ReadOnlyAdminMixin, admin_link
from apps.proxies.models import PoolKeyAlert, PoolKeyTransfer
from apps.proxies.selectors_keys import pool_key_limit

from .pool_keys import PoolKeyAdmin

__all__ = ["PoolKeyAdmin", "PoolKeyAlertAdmin", "PoolKeyTransferAdmin"]


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


# GB moves are rows with states written by the move service and finished by the reconciler job
# (apps/proxies/services/transfers.py): looked at, never edited (a hand edit could move GB twice).


@admin.register(PoolKeyTransfer)
class PoolKeyTransferAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "state", "gb", "source_link", "target_link", "customer", "attempts", "last_error")
    list_filter = ("state",)
    search_fields = ("customer__email", "source__upstream_id", "target__upstream_id", "label")
    list_select_related = ("customer", "source", "target")
    date_hierarchy = "created_at"

    def changelist_view(self, request, extra_context=None):
        limit = f"A customer holds at most {pool_key_limit()} keys (POOL_MAX_KEYS_PER_CUSTOMER)."
        return super().changelist_view(request, {"subtitle": limit, **(extra_context or {})})

    @admin.display(description="from", ordering="source__label")
    def source_link(self, obj: PoolKeyTransfer) -> str:
        return admin_link(obj.source, obj.source.label)

    @admin.display(description=gettext_lazy("to (new key)"))
    def target_link(self, obj: PoolKeyTransfer) -> str:
        return admin_link(obj.target, obj.target.label) if obj.target is not None else "—"

    @admin.display(description="customer", ordering="customer__email")
    def customer(self, obj: PoolKeyTransfer) -> str:
        return obj.customer.email
