"""Payments and provider customers: records the services write, to look at (an order's payments
also show on its page)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy

from apps.billing.models import Payment, ProviderCustomer
from apps.core.admin_helpers import ReadOnlyAdminMixin, ReadOnlyInline, admin_link, customer_link, pretty_json


class PaymentInline(ReadOnlyInline):
    model = Payment
    show_change_link = True
    verbose_name_plural = gettext_lazy("payments (one row per attempt)")
    fields = (
        "created_at",
        "provider",
        "state",
        "amount",
        "amount_received",
        "currency_received",
        "discount",
        "provider_status",
        "reference",
        "payment_reference",
        "confirmed_at",
    )
    readonly_fields = fields
    ordering = ("created_at",)


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "public_id",
        "order_link",
        "provider",
        "state",
        "amount",
        "currency",
        "amount_received",
        "discount",
        "created_at",
        "confirmed_at",
    )
    list_filter = ("provider", "state", "currency")
    search_fields = ("reference", "payment_reference", "customer_reference", "order__customer__email")
    search_help_text = "Provider checkout, payment or customer id, or the customer's e-mail."
    date_hierarchy = "created_at"
    list_select_related = ("order",)
    readonly_fields = ["order_link", "info_pre", *(f.name for f in Payment._meta.fields)]
    exclude = ("info",)

    @admin.display(description="order")
    def order_link(self, obj: Payment) -> str:
        return admin_link(obj.order, obj.order.reference)

    @admin.display(description="info")
    def info_pre(self, obj: Payment) -> str:
        return pretty_json(obj.info)


@admin.register(ProviderCustomer)
class ProviderCustomerAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("reference", "provider", "customer", "created_at")
    list_filter = ("provider",)
    search_fields = ("reference", "user__email")
    list_select_related = ("user",)

    @admin.display(description="customer", ordering="user__email")
    def customer(self, obj: ProviderCustomer) -> str:
        return customer_link(obj.user)
