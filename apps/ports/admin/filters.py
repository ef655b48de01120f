"""List filters of the ports console: status (the database twin of Port.status_at) and expiry."""

from datetime import timedelta

from django.contrib import admin
from django.utils import timezone

from apps.ports.models import PortStatus, port_status_q


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return PortStatus.choices

    def queryset(self, request, queryset):
        if self.value() in PortStatus.values:
            return queryset.filter(port_status_q(self.value(), timezone.now()))
        return queryset


class ExpiringFilter(admin.SimpleListFilter):
    title = "expiry"
    parameter_name = "expiring"

    def lookups(self, request, model_admin):
        return [("7d", "Expiring within 7 days"), ("1d", "Expiring within 1 day"), ("expired", "Expired, not released")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "expired":
            return queryset.filter(expires_at__lte=now, released_at__isnull=True)
        days = {"7d": 7, "1d": 1}.get(self.value())
        if days is None:
            return queryset
        return queryset.filter(expires_at__gt=now, expires_at__lte=now + timedelta(days=days), released_at__isnull=True)
