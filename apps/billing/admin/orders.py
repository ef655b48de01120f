"""Orders: records to read, with one operator action that goes through the services: retry the
provisioning of a paid order that failed (idempotent: its upstream writes carry keys derived
from the order)."""

import re
import secrets
import uuid
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.core.validators import RegexValidator
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy

from apps.billing.models import KeyAdjustment, Order, ProviderEvent
from apps.billing.quantity import quantity_text
from apps.billing.selectors import order_delivery_view
from apps.billing.services import order_retry_provisioning
from apps.billing.services.refunds import RefundRefused, order_refund, order_refundable
from apps.core.admin_helpers import BOTH, ReadOnlyAdminMixin, ReadOnlyInline, customer_link, pill, when
from apps.core.errors import ApplicationError
from apps.core.http import client_ip

from .payments import PaymentInline

ORDER_STATUS_TONES: dict[str, str] = {
    Order.Status.PENDING: "info",
    Order.Status.PAID: "warn",
    Order.Status.PROVISIONED: "ok",
    Order.Status.EXPIRED: "muted",
    Order.Status.FAILED: "danger",
    Order.Status.REFUNDED: "muted",
    Order.Status.DISPUTED: "danger",
}
_REFERENCE = re.compile(r"^[0-9a-fA-F]{16}$")


def delivery_link(order: Order) -> str:
    """What the order delivered, linked to its page, as its product describes it."""
    if not order.fulfilment_ref:
        return "—"
    view = order_delivery_view(order, with_order=False)
    label = view.label or order.fulfilment_ref
    return format_html('<a href="{}">{}</a>', view.admin_url, label) if view.admin_url else label


class NeedsAttentionFilter(admin.SimpleListFilter):
    title = gettext_lazy("needs attention")
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
    title = gettext_lazy("refunds and disputes")
    parameter_name = "money_back"

    def lookups(self, request, model_admin):
        return [("refund", "Refunded (in part or in full)"), ("dispute", "Disputed")]

    def queryset(self, request, queryset):
        if self.value() == "refund":
            return queryset.filter(amount_refunded__gt=0)
        if self.value() == "dispute":
            return queryset.filter(adjustments__kind=KeyAdjustment.Kind.DISPUTE).distinct()
        return queryset


class RefundForm(forms.Form):
    amount = forms.DecimalField(
        label=gettext_lazy("Amount to refund"),
        required=False,
        min_value=Decimal("0.01"),
        max_digits=13,
        decimal_places=2,
        help_text=gettext_lazy("Leave empty to refund everything not refunded yet."),
    )
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 70}),
        help_text=gettext_lazy("Stored in the audit log with your account, the time and your IP address."),
    )
    token = forms.CharField(widget=forms.HiddenInput, validators=[RegexValidator(r"^[A-Za-z0-9_-]{16,64}$")])


class KeyAdjustmentInline(ReadOnlyInline):
    model = KeyAdjustment
    verbose_name_plural = gettext_lazy("refunds and disputes (and what they did to the key)")
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
    verbose_name_plural = gettext_lazy("payment provider events about this order")
    fields = ("received_at", "provider", "type", "event_id", "deliveries", "outcome", "processed_at", "error")
    readonly_fields = fields
    ordering = ("received_at",)


@admin.register(Order)
class OrderAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """An order changes through its services only (webhooks, jobs, the action below)."""

    # Fits a 1366 px laptop: the refund under the amount, the provisioning attempts in the status.
    list_display = (
        "reference",
        "customer_link",
        "plan_name",
        "traffic",
        "money",
        "status_badge",
        "key_link",
        "created",
        "paid",
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

    def get_urls(self):
        refund = path(
            "<path:object_id>/refund/", self.admin_site.admin_view(self.refund_view), name="billing_order_refund"
        )
        return [refund, *super().get_urls()]

    def refund_view(self, request, object_id):
        """Refund (in full or in part) through the payment provider; billing then takes the GB
        back from the key as for any refund. Post/redirect/get; a double submit refunds once."""
        if not self.has_operate_permission(request):
            raise PermissionDenied
        order = self.get_object(request, unquote(object_id))
        if order is None:
            raise Http404(gettext("No such order."))
        change_url = reverse("admin:billing_order_change", args=[order.pk])
        form = RefundForm(request.POST or None, initial={"token": secrets.token_urlsafe(18)})
        if request.method == "POST" and form.is_valid():
            try:
                result = order_refund(
                    order_id=order.pk,
                    amount=form.cleaned_data["amount"],
                    token=form.cleaned_data["token"],
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                    ip=client_ip(request),
                )
            except RefundRefused as exc:
                form.add_error(None, exc.message)
            else:
                done = "was already made" if result.outcome == "already_refunded" else "was made"
                text = f"The refund of {result.amount} {order.currency.upper()} ({result.refund_id}) {done}."
                self.message_user(request, text, messages.SUCCESS)
                return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Refund order {order.reference}",
            "opts": self.opts,
            "original": order,
            "form": form,
            "refundable": order_refundable(order),
            "back_url": change_url,
            "operation": {
                "title": "Refund",
                "danger": True,
                "explanation": "The payment provider gives the money back at once. The key then loses the traffic "
                "the refunded money paid for, as the refund policy says and exactly as for a refund made at the "
                "provider.",
            },
        }
        return TemplateResponse(request, "admin/billing/order/refund.html", context)

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
        can_refund = (
            order is not None
            and order.paid_at is not None
            and order_refundable(order) > 0
            and self.has_operate_permission(request)
        )
        # The order's own buttons, offered by its state (retry, refund), are its one action menu.
        extra = {"can_retry": can_retry, "can_refund": can_refund, "action_form": None, **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra)

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

    @admin.display(description=gettext_lazy("Quantity"), ordering="gb")
    def traffic(self, obj: Order) -> str:
        return quantity_text(obj.gb, obj.product_kind)

    @admin.display(description="amount", ordering="amount_charged_db")
    def amount(self, obj: Order) -> str:
        return f"{obj.amount_shown} {obj.currency.upper()}"

    @admin.display(description="amount", ordering="amount_charged_db")
    def money(self, obj: Order) -> str:
        if not obj.amount_refunded:
            return self.amount(obj)
        return format_html("{}<br><small>{} refunded</small>", self.amount(obj), self.refunded(obj))

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj: Order) -> str:
        badge = pill(obj.get_status_display(), ORDER_STATUS_TONES.get(obj.status, "muted"))
        if obj.provisioning_attempts and obj.status != Order.Status.PROVISIONED:
            return format_html("{}<br><small>{} attempt(s)</small>", badge, obj.provisioning_attempts)
        return badge

    @admin.display(description="created", ordering="created_at")
    def created(self, obj: Order) -> str:
        return when(obj.created_at)

    @admin.display(description="paid", ordering="paid_at")
    def paid(self, obj: Order) -> str:
        return when(obj.paid_at)

    @admin.display(description=gettext_lazy("amount charged"))
    def amount_charged(self, obj: Order) -> str:
        return f"{obj.amount_charged} {obj.currency.upper()}"

    @admin.display(description="refunded", ordering="amount_refunded")
    def refunded(self, obj: Order) -> str:
        return f"{obj.amount_refunded} {obj.currency.upper()}" if obj.amount_refunded else "—"

    @admin.action(
        description=gettext_lazy("Retry provisioning of the selected paid, failed orders"),
        permissions=["operate"],
        location=BOTH,
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
