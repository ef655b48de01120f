"""Invoices in the console: records to read (issued by billing when an order is paid)."""

from django.contrib import admin

from apps.billing.models import Invoice


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = ("__str__", "order", "provider", "issued_at", "total", "tax", "currency")
    list_filter = ("provider", "year")
    search_fields = ("number", "provider_invoice_id", "order__public_id", "order__customer__email")
    date_hierarchy = "issued_at"
    readonly_fields = [f.name for f in Invoice._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
