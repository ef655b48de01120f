"""Operators' view of agent commerce: x402 orders (payer, network, transaction), agent accounts,
and the USDC prices. Refunds of x402 orders are manual: send the USDC back from the shop's wallet
(X402_PAY_TO) to the payer, then record it on the order."""

from django.contrib import admin
from django.utils.translation import gettext_lazy

from apps.core.admin_helpers import ReadOnlyAdminMixin, admin_link, customer_link, pretty_json

from .models import AgentAccount, X402PlanPrice, X402Pricing, X402Purchase

MANUAL_REFUNDS = (
    "Refunds are manual: the shop cannot send USDC back. Transfer the amount from your wallet (X402_PAY_TO) "
    "to the payer address on the same network, then reduce or disable the key from the order's page."
)


@admin.register(X402Purchase)
class X402PurchaseAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "order_link", "kind", "state", "payer", "network", "usdc", "transaction")
    list_filter = ("state", "kind", "network")
    search_fields = ("payer", "transaction", "nonce", "order__public_id", "customer__email")
    readonly_fields = (
        "refunds",
        "order_link",
        "customer_link",
        "kind",
        "state",
        "payer",
        "network",
        "asset",
        "pay_to",
        "usdc",
        "transaction",
        "nonce",
        "settled_at",
        "failure_reason",
        "settlement_json",
        "answer_status",
    )
    fields = readonly_fields

    @admin.display(description="refunds")
    def refunds(self, obj: X402Purchase) -> str:
        return MANUAL_REFUNDS

    @admin.display(description="order")
    def order_link(self, obj: X402Purchase) -> str:
        return admin_link(obj.order, obj.order.reference)

    @admin.display(description="customer")
    def customer_link(self, obj: X402Purchase) -> str:
        return customer_link(obj.customer)

    @admin.display(description=gettext_lazy("USDC"))
    def usdc(self, obj: X402Purchase) -> str:
        return f"{obj.value / 10**6:.2f}"

    @admin.display(description="settlement")
    def settlement_json(self, obj: X402Purchase) -> str:
        return pretty_json(obj.settlement)


@admin.register(AgentAccount)
class AgentAccountAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("wallet", "customer_link", "network", "created_at")
    search_fields = ("wallet", "user__email")
    readonly_fields = ("wallet", "customer_link", "network", "management_key", "created_at")
    fields = readonly_fields

    @admin.display(description="customer")
    def customer_link(self, obj: AgentAccount) -> str:
        return customer_link(obj.user)


@admin.register(X402Pricing)
class X402PricingAdmin(admin.ModelAdmin):
    list_display = ("__str__", "default_days", "max_gb")
    fields = ("usdc_per_gb", "minimum_usdc", "default_days", "max_gb")

    def has_add_permission(self, request) -> bool:
        return not X402Pricing.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        obj.pk = 1
        super().save_model(request, obj, form, change)


@admin.register(X402PlanPrice)
class X402PlanPriceAdmin(admin.ModelAdmin):
    list_display = ("plan", "usdc_price")
    autocomplete_fields = ("plan",)
