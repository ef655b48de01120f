"""Plans (edited here) and the small per-customer billing records."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext, gettext_lazy

from apps.billing.models import BillingProfile, Plan
from apps.billing.products import product_choices
from apps.billing.quantity import product_unit, quantity_text


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "slug",
        "quantity_display",
        "price",
        "currency",
        "price_per_unit_display",
        "validity_days",
        "active",
        "highlighted",
        "sort_order",
    )
    list_editable = ("active", "highlighted", "sort_order")
    list_filter = ("active", "highlighted", "product_kind", "currency")
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name", "slug")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "product_kind":  # the registered products (settings.BILLING_PRODUCTS)
            return forms.ChoiceField(
                choices=product_choices(),
                label=gettext("Product"),
                help_text=db_field.help_text,
                initial=db_field.default,
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description="quantity", ordering="gb")
    def quantity_display(self, obj: Plan) -> str:
        return quantity_text(obj.gb, obj.product_kind)

    @admin.display(description=gettext_lazy("price per unit"))
    def price_per_unit_display(self, obj: Plan) -> str:
        return f"{obj.price_per_gb} per {product_unit(obj.product_kind)}"

    def has_delete_permission(self, request, obj=None):
        # Plans with orders are PROTECTed anyway; retire a plan by unticking "active".
        return obj is None or not obj.orders.exists()


@admin.register(BillingProfile)
class BillingProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "key_lease_until")
    search_fields = ("user__email",)
    readonly_fields = ("user", "key_lease_until", "key_lease_owner", "created_at", "updated_at")
