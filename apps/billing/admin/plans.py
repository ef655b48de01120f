"""Plans (edited here) and the small per-customer billing records."""

from django.contrib import admin

from apps.billing.models import BillingProfile, Plan


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "slug",
        "gb",
        "price",
        "currency",
        "price_per_gb",
        "validity_days",
        "active",
        "highlighted",
        "sort_order",
    )
    list_editable = ("active", "highlighted", "sort_order")
    list_filter = ("active", "highlighted", "currency")
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name", "slug")

    def has_delete_permission(self, request, obj=None):
        # Plans with orders are PROTECTed anyway; retire a plan by unticking "active".
        return obj is None or not obj.orders.exists()


@admin.register(BillingProfile)
class BillingProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "key_lease_until")
    search_fields = ("user__email",)
    readonly_fields = ("user", "key_lease_until", "key_lease_owner", "created_at", "updated_at")
