"""The pool-key console: the mirror as a list an operator can work from, a key page with its
usage chart, orders, alerts and audit trail, and the actions of operations.py (on the list for
selected keys, and as buttons on the key page). Fields are never edited here: every change goes
through the services, upstream first."""

import csv
import json
from datetime import timedelta

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html

from apps.core.http import client_ip
from apps.core.logging import mask_secrets
from apps.core.models import AuditEntry
from apps.core.services import audit_log
from apps.proxies.models import PoolKey, PoolKeyStatus
from apps.proxies.selectors_usage import CHART_DAYS, usage_chart_for_key, usage_csv_rows, usage_csv_rows_for_key
from apps.proxies.services import client as services_client
from apps.proxies.upstream.errors import UpstreamError, UpstreamNotFound

from .filters import ExpiringFilter, StatusFilter
from .operations import (
    MAX_KEYS_PER_OPERATION,
    OPERATIONS,
    Operation,
    OperationContext,
    describe_upstream_error,
    new_nonce,
    operation_run,
)

STATUS_TONES = {
    PoolKeyStatus.ACTIVE: "ok",
    PoolKeyStatus.NEAR_CAP: "warn",
    PoolKeyStatus.SUSPENDED_CAP: "danger",
    PoolKeyStatus.EXPIRED: "danger",
    PoolKeyStatus.DISABLED: "danger",
    PoolKeyStatus.MISSING: "danger",
    PoolKeyStatus.DELETED: "muted",
}
AUDIT_PAGE = 100
EXPORT_MAX_DAYS = 400
# Upstream audit actions worth a colour: security and suspensions stand out.
AUDIT_TONES = {
    "gateway_auth_failure": "danger",
    "auto_suspended_cap_exceeded": "warn",
    "auto_suspended_expired": "warn",
    "delete": "danger",
    "reveal": "info",
    "regenerate": "info",
}
UPSTREAM_AUDIT_ACTIONS = (
    "create",
    "update",
    "topup",
    "regenerate",
    "reveal",
    "delete",
    "gateway_auth_success",
    "gateway_auth_failure",
    "auto_suspended_cap_exceeded",
    "auto_suspended_expired",
)


def status_badge(key: PoolKey) -> str:
    status = key.status
    tone = STATUS_TONES.get(status, "muted")
    return format_html('<span class="console-pill console-pill-{}">{}</span>', tone, PoolKeyStatus(status).label)


def usage_text(key: PoolKey) -> str:
    used = f"{key.used_gb:.2f}"
    if key.cap_gb is None:
        return f"{used} GB / unlimited"
    return f"{used} / {key.cap_gb.normalize():f} GB"


def _operation_action(operation: Operation):
    def run(modeladmin, request, queryset):
        return modeladmin.run_operation(request, queryset, operation)

    run.__name__ = operation.name
    return admin.action(
        description=operation.title,
        permissions=[operation.permission],
        location=[admin.ActionLocation.CHANGE_LIST, admin.ActionLocation.CHANGE_FORM],
    )(run)


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(rows, filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse((writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@admin.register(PoolKey)
class PoolKeyAdmin(admin.ModelAdmin):
    list_display = (
        "label",
        "customer_link",
        "usage",
        "percent",
        "status_display",
        "expires_at",
        "last_used_at",
        "last_synced_at",
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
    # (delete permission) deletes upstream. The model's own change/delete forms stay off.

    def has_add_permission(self, request) -> bool:
        return False  # keys are minted by paid orders, through the services

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_operate_permission(self, request) -> bool:
        return request.user.has_perm("proxies.change_poolkey")

    def has_remove_permission(self, request) -> bool:
        return request.user.has_perm("proxies.delete_poolkey")

    # Columns -------------------------------------------------------------------------------

    @admin.display(description="customer", ordering="customer__email")
    def customer_link(self, obj: PoolKey) -> str:
        url = reverse("admin:accounts_user_change", args=[obj.customer_id])
        return format_html('<a href="{}">{}</a>', url, obj.customer.email)

    @admin.display(description="used / cap", ordering="used_mb")
    def usage(self, obj: PoolKey) -> str:
        return usage_text(obj)

    @admin.display(description="%")
    def percent(self, obj: PoolKey) -> str:
        return "—" if obj.percent_used is None else f"{obj.percent_used:.0f} %"

    @admin.display(description="status")
    def status_display(self, obj: PoolKey) -> str:
        return status_badge(obj)

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
                "operations": [op for op in OPERATIONS.values() if op.name in allowed and key.deleted_at is None],
                "local_audit": AuditEntry.objects.filter(target_type=self.opts.label_lower, target_id=str(key.pk))
                .select_related("actor")
                .order_by("-created_at", "-id")[:15],
                "audit_log_url": reverse("admin:core_auditentry_changelist")
                + f"?target_type={self.opts.label_lower}&target_id={key.pk}",
                "key_orders": key.orders.order_by("-created_at")[:20],
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

    @admin.action(description="Export daily usage of the selected keys (CSV, last 30 days)")
    def export_usage_csv(self, request, queryset):
        today = timezone.now().date()
        self._audit_export(request, scope=f"{queryset.count()} selected keys", days=CHART_DAYS)
        rows = usage_csv_rows(keys=queryset, start=today - timedelta(days=CHART_DAYS - 1), end=today)
        return csv_response(rows, f"usage-selected-{today:%Y%m%d}.csv")

    # Extra pages ---------------------------------------------------------------------------

    def get_urls(self):
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        view = self.admin_site.admin_view
        return [
            path("usage.csv", view(self.usage_csv_all_view), name=f"{info}_usage_csv"),
            path("<path:object_id>/usage.csv", view(self.usage_csv_view), name=f"{info}_key_usage_csv"),
            path(
                "<path:object_id>/upstream-audit/",
                view(self.upstream_audit_view),
                name=f"{info}_upstream_audit",
            ),
            *super().get_urls(),
        ]

    def _key_or_404(self, request, object_id) -> PoolKey:
        if not self.has_view_permission(request):
            raise PermissionDenied
        key = self.get_object(request, unquote(object_id))
        if key is None:
            raise Http404("No such pool key.")
        return key

    def _audit_export(self, request, *, scope: str, days: int, key: PoolKey | None = None) -> None:
        # The export carries customers' e-mail addresses: who took it, and from where, is recorded.
        audit_log(
            action="console.usage_export",
            actor=request.user,
            customer=key.customer if key else None,
            target=key,
            ip=client_ip(request),
            data={"scope": scope, "days": days},
        )

    def _days(self, request) -> int:
        try:
            days = int(request.GET.get("days", CHART_DAYS))
        except ValueError:
            days = CHART_DAYS
        return min(max(days, 1), EXPORT_MAX_DAYS)

    def usage_csv_view(self, request, object_id):
        key = self._key_or_404(request, object_id)
        days = self._days(request)
        self._audit_export(request, scope="one key", days=days, key=key)
        return csv_response(usage_csv_rows_for_key(key=key, days=days), f"usage-{key.upstream_id}.csv")

    def usage_csv_all_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        days = self._days(request)
        today = timezone.now().date()
        self._audit_export(request, scope="all keys", days=days)
        rows = usage_csv_rows(start=today - timedelta(days=days - 1), end=today)
        return csv_response(rows, f"usage-all-keys-{today:%Y%m%d}.csv")

    def upstream_audit_view(self, request, object_id):
        """The upstream's own audit trail for one key (auth failures, auto-suspends, reveals...),
        read live, a page of AUDIT_PAGE events at a time (`before` pages back)."""
        key = self._key_or_404(request, object_id)
        before = parse_datetime(request.GET.get("before", "")) if request.GET.get("before") else None
        if before is not None and timezone.is_naive(before):
            before = timezone.make_aware(before, timezone.get_fixed_timezone(0))
        action = request.GET.get("action", "")
        events, error = [], ""
        try:
            events = services_client.upstream_client().key_audit(key.upstream_id, before=before, limit=AUDIT_PAGE)
        except UpstreamNotFound:
            error = "The upstream has no such key any more (deleted or never ours): it keeps no audit trail for it."
        except UpstreamError as exc:
            error = f"Could not read the upstream audit log: {describe_upstream_error(exc)}."
        rows = [
            {
                "event": event,
                "tone": AUDIT_TONES.get(event.action, ""),
                "metadata": mask_secrets(json.dumps(event.metadata, sort_keys=True, default=str))
                if event.metadata
                else "",
            }
            for event in events
            if not action or event.action == action
        ]
        context = {
            **self.admin_site.each_context(request),
            "title": f"Upstream audit log: {key.label}",
            "opts": self.opts,
            "original": key,
            "key": key,
            "rows": rows,
            "error": error,
            "action": action,
            "actions": UPSTREAM_AUDIT_ACTIONS,
            "older": events[-1].created_at.isoformat() if len(events) == AUDIT_PAGE else "",
            "before": before,
            "media": self.media,
        }
        return TemplateResponse(request, "admin/proxies/poolkey/upstream_audit.html", context)
