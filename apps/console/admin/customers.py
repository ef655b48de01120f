"""Customers in the console: the User admin with the customer's keys, orders and latest audit
entries on their page (read-only inlines), and the audited, read-only "view as customer". It
lives here, not in accounts, because it shows what billing and proxies hold about a customer."""

from allauth.mfa.models import Authenticator
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q
from django.forms.models import BaseInlineFormSet
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.cache import never_cache

from apps.accounts.models import User
from apps.billing.models import Order
from apps.console.selectors import customer_console_overview
from apps.console.view_as import VIEW_AS_MINUTES, view_as_allowed, view_as_start
from apps.core.admin_helpers import ReadOnlyInline, gb_text
from apps.core.errors import ApplicationError
from apps.core.models import AuditEntry
from apps.customers.services import customer_deactivate, customer_reactivate
from apps.proxies.admin.pool_keys import status_badge, usage_text
from apps.proxies.models import PoolKey

AUDIT_INLINE_ROWS = 50


class PoolKeyInline(ReadOnlyInline):
    model = PoolKey
    fk_name = "customer"
    verbose_name_plural = gettext_lazy("proxy keys")
    show_change_link = True
    fields = ("label", "upstream_id", "usage", "status_label", "expires_at", "last_used_at", "last_synced_at")
    readonly_fields = fields
    ordering = ("-created_at",)

    @admin.display(description=gettext_lazy("used / cap"))
    def usage(self, obj: PoolKey) -> str:
        return usage_text(obj)

    @admin.display(description="status")
    def status_label(self, obj: PoolKey) -> str:
        return status_badge(obj)


class OrderInline(ReadOnlyInline):
    model = Order
    fk_name = "customer"
    show_change_link = True
    fields = ("reference", "plan_name", "traffic", "amount", "refunded", "status", "created_at", "paid_at")
    readonly_fields = fields
    ordering = ("-created_at",)

    @admin.display(description="reference")
    def reference(self, obj: Order) -> str:
        return obj.reference

    @admin.display(description=gettext_lazy("GB"))
    def traffic(self, obj: Order) -> str:
        return gb_text(obj.gb)

    @admin.display(description="amount")
    def amount(self, obj: Order) -> str:
        return f"{obj.amount_shown} {obj.currency.upper()}"

    @admin.display(description="refunded")
    def refunded(self, obj: Order) -> str:
        return f"{obj.amount_refunded} {obj.currency.upper()}" if obj.amount_refunded else "—"


class LatestAuditFormSet(BaseInlineFormSet):
    def get_queryset(self):
        # The newest entries only: a long-standing customer has thousands (the full log is a link away).
        return super().get_queryset().order_by("-created_at", "-id")[:AUDIT_INLINE_ROWS]


class AuditEntryInline(ReadOnlyInline):
    model = AuditEntry
    fk_name = "customer"
    formset = LatestAuditFormSet
    verbose_name_plural = format_lazy(gettext_lazy("audit entries (latest {rows})"), rows=AUDIT_INLINE_ROWS)
    fields = ("created_at", "action", "who", "target", "reason", "ip", "request_id")
    readonly_fields = fields
    show_change_link = True

    @admin.display(description="who")
    def who(self, obj: AuditEntry) -> str:
        return obj.actor.email if obj.actor is not None else "system"

    @admin.display(description="target")
    def target(self, obj: AuditEntry) -> str:
        return f"{obj.target_type} #{obj.target_id}" if obj.target_type else "—"


class UserCreationAdminForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)

    def clean_email(self) -> str:
        email = User.objects.normalize_email(self.cleaned_data["email"])
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(gettext("A user with this email address already exists."))
        return email


class UserChangeAdminForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Personal info", {"fields": ("name",)}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "usable_password", "password1", "password2")}),)
    list_display = ("email", "name", "keys", "orders_paid", "is_staff", "is_active", "two_factor", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups", "date_joined")
    search_fields = ("email", "name")
    search_help_text = "E-mail address or name."
    ordering = ("email",)
    readonly_fields = ("last_login", "date_joined")
    inlines = [PoolKeyInline, OrderInline, AuditEntryInline]
    actions = ["deactivate_customers", "reactivate_and_reenable", "reactivate_only"]

    class Media:
        css = {"all": ("css/console.css", "css/usage-chart.css")}

    # Deactivation stops traffic upstream first (apps.customers.services), then the account.
    @admin.action(
        description=gettext_lazy("Deactivate: switch off their keys and ports upstream, no sign-in"),
        permissions=["change"],
    )
    def deactivate_customers(self, request, queryset):
        for user in queryset.filter(is_staff=False, is_active=True):
            self._lifecycle(request, user, "deactivated", customer_deactivate, reason="deactivated in the console")

    @admin.action(
        description=gettext_lazy("Reactivate and switch back on what deactivation switched off"), permissions=["change"]
    )
    def reactivate_and_reenable(self, request, queryset):
        for user in queryset.filter(is_staff=False, is_active=False):
            self._lifecycle(request, user, "reactivated", customer_reactivate, reenable=True)

    @admin.action(description=gettext_lazy("Reactivate only (keys and ports stay off)"), permissions=["change"])
    def reactivate_only(self, request, queryset):
        for user in queryset.filter(is_staff=False, is_active=False):
            self._lifecycle(request, user, "reactivated", customer_reactivate, reenable=False)

    def _lifecycle(self, request, user, done: str, service, **kwargs) -> None:
        try:
            counts = service(customer=user, actor=request.user, **kwargs)
        except ApplicationError as exc:
            self.message_user(request, f"{user.email}: not {done}: {exc.message} Try again.", messages.ERROR)
            return
        self.message_user(
            request, f"{user.email} {done} ({counts['keys']} keys, {counts['ports']} ports).", messages.SUCCESS
        )

    def save_model(self, request, obj, form, change):
        """Unticking "active" on a customer is a deactivation: their traffic stops upstream too."""
        if change and "is_active" in form.changed_data and not obj.is_active and not obj.is_staff:
            obj.is_active = True  # the service switches it off once keys and ports are off
            super().save_model(request, obj, form, change)
            self._lifecycle(request, obj, "deactivated", customer_deactivate, reason="unticked active in the console")
            obj.refresh_from_db()
            return
        super().save_model(request, obj, form, change)

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def get_queryset(self, request):
        totp = Authenticator.objects.filter(user=OuterRef("pk"), type=Authenticator.Type.TOTP)
        return (
            super()
            .get_queryset(request)
            .annotate(
                has_totp=Exists(totp),
                live_keys=Count("pool_keys", filter=Q(pool_keys__deleted_at__isnull=True), distinct=True),
                paid_orders=Count("orders", filter=Q(orders__paid_at__isnull=False), distinct=True),
            )
        )

    @admin.display(boolean=True, description=gettext_lazy("2FA"), ordering="has_totp")
    def two_factor(self, obj: User) -> bool:
        return getattr(obj, "has_totp")  # noqa: B009 (annotated by get_queryset; the stubs only know the model)

    @admin.display(description="keys", ordering="live_keys")
    def keys(self, obj: User) -> int:
        return getattr(obj, "live_keys")  # noqa: B009 (annotated by get_queryset; the stubs only know the model)

    @admin.display(description=gettext_lazy("paid orders"), ordering="paid_orders")
    def orders_paid(self, obj: User) -> int:
        return getattr(obj, "paid_orders")  # noqa: B009 (annotated by get_queryset; the stubs only know the model)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/view-as-customer/",
                self.admin_site.admin_view(self.view_as_customer),
                name="accounts_user_view_as_customer",
            ),
            *super().get_urls(),
        ]

    def get_fieldsets(self, request, obj=None):
        """A customer's page offers no staff permissions (superuser, groups, permissions): only
        whether the account is active, and making it staff. Staff accounts get all of them."""
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or obj.is_staff or obj.is_superuser:
            return fieldsets
        return tuple(
            (name, {**options, "fields": ("is_active", "is_staff")}) if name == "Permissions" else (name, options)
            for name, options in fieldsets
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        customer = self.get_object(request, unquote(object_id))
        extra = {
            "customer_overview": customer_console_overview(customer=customer) if customer is not None else None,
            "view_as_url": reverse("admin:accounts_user_view_as_customer", args=[object_id]),
            "audit_log_url": reverse("admin:core_auditentry_changelist") + f"?customer__id__exact={object_id}",
        }
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    @method_decorator(never_cache)
    def view_as_customer(self, request, object_id):
        """GET: what "view as customer" is, with the button; POST: opens the customer's real
        dashboard, read-only, for VIEW_AS_MINUTES (apps/console/view_as.py; audited)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        customer = self.get_object(request, unquote(object_id))
        if customer is None:
            raise Http404(gettext("No such customer."))
        allowed = view_as_allowed(staff=request.user, customer=customer)
        if request.method == "POST":
            if not allowed:
                raise PermissionDenied
            view_as_start(request, customer=customer)
            return HttpResponseRedirect(reverse("proxies:dashboard"))
        context = {
            **self.admin_site.each_context(request),
            "title": f"View as {customer.email}",
            "opts": self.opts,
            "original": customer,
            "allowed": allowed,
            "minutes": VIEW_AS_MINUTES,
        }
        return TemplateResponse(request, "console/view_as_customer.html", context)
