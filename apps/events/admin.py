from django.contrib import admin

from apps.core.admin_helpers import ReadOnlyAdminMixin

from .models import Event


@admin.register(Event)
class EventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "public_id", "type", "customer", "resource_type", "resource_id", "fanned_out_at")
    list_filter = ("type",)
    search_fields = ("public_id", "customer__email", "resource_id")
    fields = ("public_id", "type", "created_at", "customer", "resource_type", "resource_id", "extra", "fanned_out_at")
    readonly_fields = fields
