"""Basic billing admin: plans are edited here; orders and Stripe events are read-only records
with a few operator actions that go through the services."""

from django.contrib import admin, messages
from django.db.models import Q

from apps.core.errors import ApplicationError

from .models import BillingProfile, KeyAdjustment, Order, Plan, StripeEvent
from .services import order_retry_provisioning, stripe_event_process


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


class KeyAdjustmentInline(admin.TabularInline):
    model = KeyAdjustment
    extra = 0
    can_delete = False
    fields = ("kind", "action", "amount", "gb", "status", "target_cap_gb", "attempts", "error", "applied_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = (
        "reference",
        "customer",
        "plan_name",
        "gb",
        "price",
        "currency",
        "status",
        "created_at",
        "paid_at",
        "provisioning_attempts",
    )
    list_filter = (NeedsAttentionFilter, "status", "provisioning_action", "currency")
    search_fields = ("public_id", "customer__email", "stripe_checkout_session_id", "stripe_payment_intent_id")
    date_hierarchy = "created_at"
    list_select_related = ("customer",)
    inlines = [KeyAdjustmentInline]
    actions = ["retry_provisioning"]
    readonly_fields = [f.name for f in Order._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="reference")
    def reference(self, obj: Order) -> str:
        return obj.reference

    @admin.action(description="Retry provisioning of the selected paid, failed orders")
    def retry_provisioning(self, request, queryset):
        retried = 0
        for order in queryset:
            try:
                order_retry_provisioning(order_id=order.pk, actor=request.user)
                retried += 1
            except ApplicationError as exc:
                self.message_user(request, exc.message, messages.WARNING)
        if retried:
            self.message_user(request, f"{retried} order(s) queued for provisioning.", messages.SUCCESS)


@admin.register(StripeEvent)
class StripeEventAdmin(admin.ModelAdmin):
    list_display = (
        "event_id",
        "type",
        "order",
        "received_at",
        "deliveries",
        "attempts",
        "processed_at",
        "outcome",
        "has_error",
    )
    list_filter = ("type", "outcome", ("processed_at", admin.EmptyFieldListFilter))
    search_fields = ("event_id", "order__public_id")
    readonly_fields = [f.name for f in StripeEvent._meta.fields]
    actions = ["reprocess"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(boolean=True, description="error")
    def has_error(self, obj: StripeEvent) -> bool:
        return bool(obj.error)

    @admin.action(description="Process the selected unprocessed events again")
    def reprocess(self, request, queryset):
        for event in queryset.filter(processed_at__isnull=True):
            result = stripe_event_process(record=event)
            level = messages.SUCCESS if result.status < 300 else messages.WARNING
            self.message_user(request, f"{event.event_id}: {result.outcome} {result.detail}".strip(), level)


@admin.register(BillingProfile)
class BillingProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "stripe_customer_id", "key_lease_until")
    search_fields = ("user__email", "stripe_customer_id")
    readonly_fields = ("user", "key_lease_until", "key_lease_owner", "created_at", "updated_at")


@admin.register(KeyAdjustment)
class KeyAdjustmentAdmin(admin.ModelAdmin):
    list_display = ("order", "kind", "action", "amount", "gb", "status", "attempts", "applied_at")
    list_filter = ("kind", "action", "status")
    readonly_fields = [f.name for f in KeyAdjustment._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
