from allauth.mfa.models import Authenticator
from django import forms
from django.contrib import admin
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
from django.views.decorators.cache import never_cache

from apps.billing.models import Order
from apps.core.http import client_ip
from apps.core.models import AuditEntry
from apps.core.services import audit_log
from apps.proxies.models import PoolKey

from .models import ApiKey, BrandSettings, User
from .services import api_key_revoke, brand_update

AUDIT_INLINE_ROWS = 50


class ReadOnlyInline(admin.TabularInline):
    """Shown on the customer page for context; changes go through each object's own page."""

    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class PoolKeyInline(ReadOnlyInline):
    model = PoolKey
    fk_name = "customer"
    verbose_name_plural = "proxy keys"
    fields = ("label", "upstream_id", "usage", "status_label", "expires_at", "last_used_at", "last_synced_at")
    readonly_fields = fields
    ordering = ("-created_at",)

    @admin.display(description="used / cap")
    def usage(self, obj: PoolKey) -> str:
        from apps.proxies.admin.pool_keys import usage_text

        return usage_text(obj)

    @admin.display(description="status")
    def status_label(self, obj: PoolKey) -> str:
        from apps.proxies.admin.pool_keys import status_badge

        return status_badge(obj)


class OrderInline(ReadOnlyInline):
    model = Order
    fk_name = "customer"
    fields = ("reference", "plan_name", "gb", "amount", "refunded", "status", "created_at", "paid_at")
    readonly_fields = fields
    ordering = ("-created_at",)

    @admin.display(description="reference")
    def reference(self, obj: Order) -> str:
        return obj.reference

    @admin.display(description="amount")
    def amount(self, obj: Order) -> str:
        return f"{obj.amount_paid if obj.amount_paid is not None else obj.price} {obj.currency.upper()}"

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
    verbose_name_plural = f"audit entries (latest {AUDIT_INLINE_ROWS})"
    fields = ("created_at", "action", "who", "target", "reason", "ip", "request_id")
    readonly_fields = fields
    show_change_link = True

    @admin.display(description="who")
    def who(self, obj: AuditEntry) -> str:
        return obj.actor.email if obj.actor_id else "system"

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
            raise forms.ValidationError("A user with this email address already exists.")
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

    class Media:
        css = {"all": ("css/console.css", "css/usage-chart.css")}

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

    @admin.display(boolean=True, description="2FA", ordering="has_totp")
    def two_factor(self, obj: User) -> bool:
        return obj.has_totp

    @admin.display(description="keys", ordering="live_keys")
    def keys(self, obj: User) -> int:
        return obj.live_keys

    @admin.display(description="paid orders", ordering="paid_orders")
    def orders_paid(self, obj: User) -> int:
        return obj.paid_orders

    def get_urls(self):
        return [
            path(
                "<path:object_id>/view-as-customer/",
                self.admin_site.admin_view(self.view_as_customer),
                name="accounts_user_view_as_customer",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = {
            "view_as_url": reverse("admin:accounts_user_view_as_customer", args=[object_id]),
            "audit_log_url": reverse("admin:core_auditentry_changelist") + f"?customer__id__exact={object_id}",
        }
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    @method_decorator(never_cache)  # a customer's private data: never kept by a browser or proxy
    def view_as_customer(self, request, object_id):
        """The customer's dashboard as they see it, read-only, for support. Audited on every
        look; never shows the proxy secret (staff have no way to reveal it)."""
        from apps.proxies.selectors_overview import customer_console_view

        if not self.has_view_permission(request):
            raise PermissionDenied
        customer = self.get_object(request, unquote(object_id))
        if customer is None:
            raise Http404("No such customer.")
        audit_log(
            action="staff.view_as_customer",
            actor=request.user,
            customer=customer,
            target=customer,
            ip=client_ip(request),
        )
        context = {
            **self.admin_site.each_context(request),
            "title": f"Viewing as {customer.email}",
            "opts": self.opts,
            "original": customer,
            "view": customer_console_view(customer=customer),
            "media": self.media,
        }
        return TemplateResponse(request, "admin/accounts/user/view_as_customer.html", context)


@admin.register(BrandSettings)
class BrandSettingsAdmin(admin.ModelAdmin):
    """A singleton: the changelist goes straight to the one row; it can be edited, never
    deleted, and added only while it does not exist yet (the env defaults apply until then)."""

    fieldsets = (
        (None, {"fields": ("name", "tagline", "logo_url")}),
        ("Colours", {"fields": ("primary_color", "accent_color")}),
        ("Contact and legal", {"fields": ("support_email", "terms_url", "privacy_url")}),
    )

    def has_add_permission(self, request) -> bool:
        return super().has_add_permission(request) and not BrandSettings.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def changelist_view(self, request, extra_context=None):
        if BrandSettings.objects.filter(pk=1).exists():
            return HttpResponseRedirect(reverse("admin:accounts_brandsettings_change", args=[1]))
        return HttpResponseRedirect(reverse("admin:accounts_brandsettings_add"))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "show_save_and_add_another": False}
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_changeform_initial_data(self, request) -> dict:
        return BrandSettings.defaults()

    def save_model(self, request, obj, form, change) -> None:
        brand_update(brand=obj, actor=request.user)


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Customers' API keys: operators see and revoke them, never create or edit them (a key is
    created by its owner, shown once, and stored only as a hash)."""

    list_display = ("name", "hint", "customer", "scope_list", "status", "expires_at", "last_used_at", "last_used_ip")
    list_filter = ("mode", "revoked_at")
    list_select_related = ("customer",)
    search_fields = ("name", "lookup", "customer__email")
    readonly_fields = (
        "customer",
        "name",
        "hint",
        "mode",
        "scopes",
        "expires_at",
        "ip_allowlist",
        "last_used_at",
        "last_used_ip",
        "revoked_at",
        "created_at",
    )
    fields = readonly_fields
    actions = ["revoke_selected"]

    @admin.display(description="scopes")
    def scope_list(self, obj: ApiKey) -> str:
        return ", ".join(obj.scopes or [])

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # read-only pages; revoking is the one change, through the action

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Revoke the selected API keys", permissions=["view"])
    def revoke_selected(self, request, queryset) -> None:
        revoked = sum(
            api_key_revoke(key=key, actor=request.user, ip=client_ip(request), reason="revoked by an operator")
            for key in queryset.select_related("customer")
        )
        self.message_user(request, f"Revoked {revoked} API key{'s' if revoked != 1 else ''}.")
