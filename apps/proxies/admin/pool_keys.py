"""The pool-key console: the mirror as a list an operator can work from, a key page with its
usage chart, alerts and audit trail (apps.console adds the orders on the key), and the actions of
operations.py (on the list for selected keys, and as buttons on the key page). Fields are never
edited here: every change goes through the services, upstream first. Exports and the upstream
audit page live in pages.py."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy

from apps.core.admin_helpers import BOTH, ReadOnlyAdminMixin, customer_link, gb_text, pill, when
from apps.core.admin_operations import new_nonce
from apps.core.http import client_ip
from apps.core.models import AuditEntry
from apps.proxies.models import PoolKey, PoolKeyStatus
from apps.proxies.selectors_usage import CHART_DAYS, usage_chart_for_key

from .filters import ExpiringFilter, StatusFilter
from .operations import (
    MAX_KEYS_PER_OPERATION,
    OPERATIONS,
    Operation,
    OperationContext,
    operation_run,
)
from .pages import (
    AUDIT_PAGE,
    AUDIT_TONES,
    EXPORT_MAX_DAYS,
    UPSTREAM_AUDIT_ACTIONS,
    PoolKeyPagesMixin,
    csv_response,
)

__all__ = [
    "AUDIT_PAGE",
    "AUDIT_TONES",
    "EXPORT_MAX_DAYS",
    "MAX_KEYS_PER_OPERATION",
    "STATUS_TONES",
    "UPSTREAM_AUDIT_ACTIONS",
    "PoolKeyAdmin",
    "csv_response",
    "status_badge",
    "usage_text",
]


STATUS_TONES = {
    PoolKeyStatus.ACTIVE: "ok",
    PoolKeyStatus.NEAR_CAP: "warn",
    PoolKeyStatus.SUSPENDED_CAP: "danger",
    PoolKeyStatus.EXPIRED: "danger",
    PoolKeyStatus.DISABLED: "danger",
    PoolKeyStatus.MISSING: "danger",
    PoolKeyStatus.DELETED: "muted",
}


def status_badge(key: PoolKey) -> str:
    status = key.status
    return pill(str(PoolKeyStatus(status).label), STATUS_TONES.get(status, "muted"))


def usage_text(key: PoolKey) -> str:
    return f"{gb_text(key.used_gb)} of {gb_text(key.cap_gb)}"


def _operation_action(operation: Operation):
    def run(modeladmin, request, queryset):
        return modeladmin.run_operation(request, queryset, operation)

    run.__name__ = operation.name
    return admin.action(description=operation.title, permissions=[operation.permission], location=BOTH)(run)


@admin.register(PoolKey)
class PoolKeyAdmin(PoolKeyPagesMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "label",
        "customer_link",
        "usage",
        "percent",
        "status_display",
        "expires",
        "last_used",
        "last_synced",
    )
    list_select_related = ("customer",)
    list_filter = (StatusFilter, ExpiringFilter, "enabled", "disabled_by_operator", "missing_upstream")
    search_fields = ("customer__email", "label", "upstream_id", "session_tag")
    search_help_text = "Customer e-mail, label, upstream id or session tag."
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    list_per_page = 50
    actions = [*(_operation_action(op) for op in OPERATIONS.values()), "export_usage_csv"]
    readonly_fields = (
        "customer_link",
        "upstream_id",
        "label",
        "usage",
        "percent",
        "status_display",
        "enabled",
        "disabled_by_operator",
        "expires_at",
        "last_used_at",
        "last_synced_at",
        "missing_upstream",
        "deleted_at",
        "secret_hint",
        "session_tag",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("customer_link", "label", "upstream_id", "status_display")}),
        ("Traffic", {"fields": ("usage", "percent", "last_used_at", "last_synced_at")}),
        ("State", {"fields": ("enabled", "disabled_by_operator", "expires_at", "missing_upstream", "deleted_at")}),
        ("Identity", {"fields": ("secret_hint", "session_tag", "created_at", "updated_at")}),
    )

    class Media:
        css = {"all": ("css/console.css", "css/usage-chart.css")}

    # Permissions: view the mirror; "operate" (change permission) runs the actions; "remove"
    # (delete permission) deletes upstream. The model's own add/change/delete forms stay off
    # (ReadOnlyAdminMixin): keys are minted by paid orders, through the services.

    def has_operate_permission(self, request) -> bool:
        return request.user.has_perm("proxies.change_poolkey")

    def has_remove_permission(self, request) -> bool:
        return request.user.has_perm("proxies.delete_poolkey")

    # Columns -------------------------------------------------------------------------------

    @admin.display(description="customer", ordering="customer__email")
    def customer_link(self, obj: PoolKey) -> str:
        return customer_link(obj.customer)

    @admin.display(description=gettext_lazy("used / cap"), ordering="used_mb")
    def usage(self, obj: PoolKey) -> str:
        return usage_text(obj)

    @admin.display(description="%")
    def percent(self, obj: PoolKey) -> str:
        return "—" if obj.percent_used is None else f"{obj.percent_used:.0f} %"

    @admin.display(description="status")
    def status_display(self, obj: PoolKey) -> str:
        return status_badge(obj)

    @admin.display(description="expires", ordering="expires_at")
    def expires(self, obj: PoolKey) -> str:
        return when(obj.expires_at)

    @admin.display(description=gettext_lazy("last used"), ordering="last_used_at")
    def last_used(self, obj: PoolKey) -> str:
        return when(obj.last_used_at)

    @admin.display(description="synced", ordering="last_synced_at")
    def last_synced(self, obj: PoolKey) -> str:
        return when(obj.last_synced_at)

    @admin.display(description="secret")
    def secret_hint(self, obj: PoolKey) -> str:
        return obj.secret_hint

    # The key page --------------------------------------------------------------------------

    def change_view(self, request, object_id, form_url="", extra_context=None):
        key = self.get_object(request, unquote(object_id))
        extra = {}
        if key is not None:
            info = f"{self.opts.app_label}_{self.opts.model_name}"
            allowed = self.get_actions(request, action_location=admin.ActionLocation.CHANGE_FORM)
            extra = {
                "chart": usage_chart_for_key(key=key),
                "chart_days": CHART_DAYS,
                # One action menu, with the actions the key's state allows (the admin's own change-form
                # action bar is replaced by it: action_form None).
                "operations": [op for op in OPERATIONS.values() if op.name in allowed and op.applies_to(key)],
                "action_form": None,
                "local_audit": AuditEntry.objects.filter(target_type=self.opts.label_lower, target_id=str(key.pk))
                .select_related("actor")
                .order_by("-created_at", "-id")[:15],
                "audit_log_url": reverse("admin:core_auditentry_changelist")
                + f"?target_type={self.opts.label_lower}&target_id={key.pk}",
                "key_alerts": key.alerts.all(),
                "upstream_audit_url": reverse(f"admin:{info}_upstream_audit", args=[key.pk]),
                "usage_csv_url": reverse(f"admin:{info}_key_usage_csv", args=[key.pk]),
                "status_badge": status_badge(key),
            }
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    # Actions -------------------------------------------------------------------------------

    def run_operation(self, request, queryset, operation: Operation):
        """The intermediate page (reason and options), then the operation on every selected key."""
        count = queryset.count()
        if count > MAX_KEYS_PER_OPERATION:
            self.message_user(
                request,
                f"{operation.title}: select at most {MAX_KEYS_PER_OPERATION} keys at once "
                f"(each is an upstream call); {count} were selected. Nothing was changed.",
                messages.ERROR,
            )
            return None
        keys = list(queryset.select_related("customer").order_by("pk"))
        skipped = [key for key in keys if not operation.applies_to(key)]
        if skipped:
            keys = [key for key in keys if operation.applies_to(key)]
            self.message_user(
                request,
                f"{operation.title}: {len(skipped)} selected key(s) skipped ({operation.not_applicable}).",
                messages.WARNING,
            )
            if not keys:
                return None
        form = None
        if "apply" in request.POST:
            form = operation.form_class(request.POST)
            if form.is_valid():
                self._apply(request, keys, operation, form.cleaned_data)
                return None  # back to the list or the key page
        if form is None:
            form = operation.form_class(initial={"nonce": new_nonce()})
        hidden = [
            (name, value) for name in ("action", "CHANGE_FORM-action", "index") for value in request.POST.getlist(name)
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": operation.title,
            "opts": self.opts,
            "operation": operation,
            "form": form,
            "rows": [(key, status_badge(key)) for key in keys[:25]],
            "more_keys": max(0, len(keys) - 25),
            "count": len(keys),
            "hidden": hidden,
            "selected": [key.pk for key in keys],
            "media": self.media + form.media,
            "back_url": reverse("admin:proxies_poolkey_change", args=[keys[0].pk])
            if "CHANGE_FORM-action" in request.POST and keys
            else reverse("admin:proxies_poolkey_changelist"),
        }
        return TemplateResponse(request, "admin/proxies/poolkey/operation.html", context)

    def _apply(self, request, keys: list[PoolKey], operation: Operation, data: dict) -> None:
        ctx = OperationContext(actor=request.user, ip=client_ip(request), reason=data["reason"], nonce=data["nonce"])
        outcomes = [operation_run(operation=operation, key=key, data=data, ctx=ctx) for key in keys]
        done = [o for o in outcomes if o.ok]
        failed = [o for o in outcomes if not o.ok]
        if len(outcomes) == 1:
            outcome = outcomes[0]
            level = messages.SUCCESS if outcome.ok else messages.ERROR
            self.message_user(request, f"{operation.title} — {outcome.key.label}: {outcome.message}.", level)
            return
        if done:
            self.message_user(request, f"{operation.title}: done for {len(done)} key(s).", messages.SUCCESS)
        for outcome in failed[:10]:
            self.message_user(request, f"{operation.title} — {outcome.key.label}: {outcome.message}.", messages.ERROR)
        if len(failed) > 10:
            self.message_user(request, f"{len(failed) - 10} more key(s) failed; see the audit log.", messages.ERROR)
