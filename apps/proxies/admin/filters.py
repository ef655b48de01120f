"""List filters for the pool-key console: one per status (matching PoolKey.status_at exactly,
in the database) and "expiring within 7 days"."""

from datetime import timedelta

from django.contrib import admin
from django.utils import timezone

from apps.proxies.models import PoolKeyStatus
from apps.proxies.selectors import pool_key_list_expiring, pool_key_list_with_status


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return PoolKeyStatus.choices

    def queryset(self, request, queryset):
        if self.value() in PoolKeyStatus.values:
            return pool_key_list_with_status(status=self.value(), now=timezone.now(), queryset=queryset)
        return queryset


class ExpiringFilter(admin.SimpleListFilter):
    title = "expiry"
    parameter_name = "expiring"

    def lookups(self, request, model_admin):
        return [("7d", "Expiring within 7 days"), ("1d", "Expiring within 1 day")]

    def queryset(self, request, queryset):
        days = {"7d": 7, "1d": 1}.get(self.value())
        if days is None:
            return queryset
        return pool_key_list_expiring(within=timedelta(days=days), queryset=queryset)
