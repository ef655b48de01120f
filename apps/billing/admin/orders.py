"""Orders: records to read, with one operator action that goes through the services: retry the
provisioning of a paid order that failed (idempotent: its upstream writes carry keys derived
from the order)."""

import re
import uuid

from django.contrib import admin, messages
from django.db.models import Q
from django.utils.html import format_html

from apps.billing.models import KeyAdjustment, Order, ProviderEvent
from apps.billing.quantity import quantity_text
from apps.billing.selectors import order_delivery_view
from apps.billing.services import order_retry_provisioning
from apps.core.admin_helpers import BOTH, ReadOnlyAdminMixin, ReadOnlyInline, customer_link
from apps.core.errors import ApplicationError

from .payments import PaymentInline

_REFERENCE = re.compile(r"^[0-9a-fA-F]{16}$")


def delivery_link(order: Order) -> str:
    """What the order delivered, linked to its page, as its product describes it."""
    if not order.fulfilment_ref:
        return "—"
    view = order_delivery_view(order, with_order=False)
    label = view.label or order.fulfilment_ref
    return format_html('<a href="{}">{}</a>', view.admin_url, label) if view.admin_url else label


class NeedsAttentionFilter(admin.SimpleListFilter):
    title = "needs attention"
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [("yes", "Paid, not delivered (failed)"), ("stuck", "Paid, still provisioning")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(status=Order.Status.FAILED, paid_at__isnull=False)
        if self.value() == "stuck":
            return queryset.filter(status=Order.Status.PAID).filter(~Q(provisioning_error=""))
        return queryset


class MoneyBackFilter(admin.SimpleListFilter):
    title = "refunds and disputes"
    parameter_name = "money_back"

    def lookups(self, request, model_admin):
        return [("refund", "Refunded (in part or in full)"), ("dispute", "Disputed")]

    def queryset(self, request, queryset):
        if self.value() == "refund":
            return queryset.filter(amount_refunded__gt=0)
        if self.value() == "dispute":
            return queryset.filter(adjustments__kind=KeyAdjustment.Kind.DISPUTE).distinct()
        return queryset


class KeyAdjustmentInline(ReadOnlyInline):
    model = KeyAdjustment
    verbose_name_plural = "refunds and disputes (and what they did to the key)"
    fields = (
        "created_at",
        "kind",
        "reference",
        "amount",
        "gb",
        "action",
        "status",
        "plan",
        "attempts",
        "error",
        "applied_at",
    )
    readonly_fields = fields


class ProviderEventInline(ReadOnlyInline):
    model = ProviderEvent
    show_change_link = True
    verbose_name_plural = "payment provider events about this order"
    fields = ("received_at", "provider", "type", "event_id", "deliveries", "outcome", "processed_at", "error")
    readonly_fields = fields
    ordering = ("received_at",)


@admin.register(Order)
class OrderAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """An order changes through its services only (webhooks, jobs, the action below)."""

    list_display = (
        "reference",
        "customer_link",
        "plan_name",
        "quantity",
        "amount",
        "refunded",
        "status",
        "key_link",
        "created_at",
        "paid_at",
        "provisioning_attempts",
    )
    list_filter = (NeedsAttentionFilter, "status", MoneyBackFilter, "product_kind", "currency", "paid_at")
    search_fields = ("customer__email", "payments__reference", "payments__payment_reference")
    search_help_text = (
        "Order reference or id, customer e-mail, a payment's checkout or payment id (Stripe session, PaymentIntent)."
    )
    date_hierarchy = "created_at"
    list_select_related = ("customer",)
    inlines = [PaymentInline, KeyAdjustmentInline, ProviderEventInline]
    actions = ["retry_provisioning"]
    readonly_fields = [
        "reference",
        "customer_link",
        "key_link",
        "decision",
        "amount_charged",
        *(f.name for f in Order._meta.fields),
    ]

    class Media:
        css = {"all": ("css/console.css",)}

    fieldsets = (
        (None, {"fields": ("reference", "public_id", "customer_link", "status", "failure_reason")}),
        (
            "Plan at purchase",
            {"fields": ("plan", "product_kind", "plan_name", "gb", "price", "currency", "validity_days")},
        ),
        (
            "Payment",
            {
                "fields": (
                    "amount_charged",
                    "amount_refunded",
                    "paid_at",
                    "refunded_at",
                    "disputed_at",
                    "expired_at",
                    "failed_at",
                )
            },
        ),
        (
            "Provisioning",
            {
                "fields": (
                    "key_link",
                    "fulfilment_ref",
                    "decision",
                    "provisioning_gb",
                    "provisioning_started_at",
                    "provisioning_deadline",
                    "provisioning_attempts",
                    "provisioning_next_attempt_at",
                    "provisioning_error",
                    "provisioned_at",
                )
            },
        ),
        ("Emails", {"fields": ("receipt_sent_at", "ready_sent_at", "operator_alerted_at")}),
        ("Record", {"fields": ("created_at", "updated_at")}),
    )

    def has_operate_permission(self, request) -> bool:
        return request.user.has_perm("billing.change_order")

    def get_queryset(self, request):
        return super().get_queryset(request).with_amount_charged()

    def get_search_results(self, request, queryset, search_term):
        unsearched = queryset
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        try:
            if _REFERENCE.match(term):  # the short reference customers quote: the id's first 16 hex digits
                low, high = uuid.UUID(term + "0" * 16), uuid.UUID(term + "f" * 16)
                queryset |= unsearched.filter(public_id__gte=low, public_id__lte=high)
            elif term:
                queryset |= unsearched.filter(public_id=uuid.UUID(term))
        except ValueError:
            pass
        return queryset, may_have_duplicates

    def change_view(self, request, object_id, form_url="", extra_context=None):
        order = self.get_object(request, object_id)
        can_retry = (
            order is not None
            and order.needs_attention
            and "retry_provisioning" in self.get_actions(request, action_location=admin.ActionLocation.CHANGE_FORM)
        )
        return super().change_view(request, object_id, form_url, {"can_retry": can_retry, **(extra_context or {})})

    @admin.display(description="reference")
    def reference(self, obj: Order) -> str:
        return obj.reference

    @admin.display(description="customer", ordering="customer__email")
    def customer_link(self, obj: Order) -> str:
        return customer_link(obj.customer)

    @admin.display(description="delivery")
    def key_link(self, obj: Order) -> str:
        return delivery_link(obj)

    @admin.display(description="decision")
    def decision(self, obj: Order) -> str:
        return order_delivery_view(obj).decision or "—"

    @admin.display(description="quantity", ordering="gb")
    def quantity(self, obj: Order) -> str:
        return quantity_text(obj.gb, obj.product_kind)

    @admin.display(description="amount", ordering="amount_charged_db")
    def amount(self, obj: Order) -> str:
        return f"{obj.amount_shown} {obj.currency.upper()}"

    @admin.display(description="amount charged")
    def amount_charged(self, obj: Order) -> str:
        return f"{obj.amount_charged} {obj.currency.upper()}"

    @admin.display(description="refunded", ordering="amount_refunded")
    def refunded(self, obj: Order) -> str:
        return f"{obj.amount_refunded} {obj.currency.upper()}" if obj.amount_refunded else "—"

    @admin.action(
        description="Retry provisioning of the selected paid, failed orders", permissions=["operate"], location=BOTH
    )
    def retry_provisioning(self, request, queryset):
        retried = 0
        for order in queryset:
            try:
                order_retry_provisioning(
                    order_id=order.pk, actor=request.user, reason="operator retry from the console"
                )
                retried += 1
            except ApplicationError as exc:
                self.message_user(request, exc.message, messages.WARNING)
        if retried:
            self.message_user(request, f"{retried} order(s) queued for provisioning.", messages.SUCCESS)


@admin.register(KeyAdjustment)
class KeyAdjustmentAdmin(admin.ModelAdmin):
    list_display = ("order", "kind", "action", "amount", "gb", "status", "attempts", "applied_at")
    list_filter = ("kind", "action", "status")
    readonly_fields = [f.name for f in KeyAdjustment._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
