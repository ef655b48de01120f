"""The payment simulator in the admin: sessions, charges and disputes to look at, and the
operator actions Stripe's dashboard offers (refund, a dispute and its close), each of which
sends billing the event Stripe would send. Refunds can be tried end to end in the sandbox."""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from .actions import sandbox_charge_dispute, sandbox_charge_refund, sandbox_dispute_close
from .events import SandboxResult
from .models import SandboxCharge, SandboxCheckoutSession, SandboxDispute

BOTH = [admin.ActionLocation.CHANGE_LIST, admin.ActionLocation.CHANGE_FORM]


class RecordAdmin(admin.ModelAdmin):
    """Records change through the page and the actions only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_operate_permission(self, request) -> bool:
        return request.user.has_perm(f"{self.opts.app_label}.change_{self.opts.model_name}")

    def report(self, request, label: str, result: SandboxResult) -> None:
        level = messages.SUCCESS if result.ok else messages.WARNING
        self.message_user(request, f"{label}: {result.message}", level)


def _order_link(order) -> str:
    return format_html('<a href="{}">{}</a>', reverse("admin:billing_order_change", args=[order.pk]), order.reference)


@admin.register(SandboxCheckoutSession)
class SandboxCheckoutSessionAdmin(RecordAdmin):
    list_display = ("id", "order_link", "status", "payment_status", "amount_total", "currency", "created_at")
    list_filter = ("status", "payment_status")
    search_fields = ("id", "payment_intent_id", "customer_email")
    list_select_related = ("order",)
    readonly_fields = ["order_link", *(f.name for f in SandboxCheckoutSession._meta.fields)]

    @admin.display(description="order")
    def order_link(self, obj: SandboxCheckoutSession) -> str:
        return _order_link(obj.order)


@admin.register(SandboxCharge)
class SandboxChargeAdmin(RecordAdmin):
    list_display = ("id", "order_link", "payment_intent_id", "amount", "amount_refunded", "currency", "created_at")
    search_fields = ("id", "payment_intent_id", "session__id", "session__customer_email")
    list_select_related = ("session__order",)
    readonly_fields = ["order_link", *(f.name for f in SandboxCharge._meta.fields)]
    actions = ["refund_in_full", "open_dispute"]

    @admin.display(description="order")
    def order_link(self, obj: SandboxCharge) -> str:
        return _order_link(obj.session.order)

    @admin.action(description="Refund the selected charges in full", permissions=["operate"], location=BOTH)
    def refund_in_full(self, request, queryset):
        for charge in queryset:
            self.report(request, charge.id, sandbox_charge_refund(charge_id=charge.id))

    @admin.action(description="Open a dispute on the selected charges", permissions=["operate"], location=BOTH)
    def open_dispute(self, request, queryset):
        for charge in queryset:
            self.report(request, charge.id, sandbox_charge_dispute(charge_id=charge.id))


@admin.register(SandboxDispute)
class SandboxDisputeAdmin(RecordAdmin):
    list_display = ("id", "charge", "amount", "currency", "reason", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("id", "charge__id", "charge__payment_intent_id")
    readonly_fields = [f.name for f in SandboxDispute._meta.fields]
    actions = ["close_won", "close_lost"]

    @admin.action(description="Close the selected disputes as won", permissions=["operate"], location=BOTH)
    def close_won(self, request, queryset):
        for dispute in queryset:
            self.report(request, dispute.id, sandbox_dispute_close(dispute_id=dispute.id, won=True))

    @admin.action(description="Close the selected disputes as lost", permissions=["operate"], location=BOTH)
    def close_lost(self, request, queryset):
        for dispute in queryset:
            self.report(request, dispute.id, sandbox_dispute_close(dispute_id=dispute.id, won=False))
