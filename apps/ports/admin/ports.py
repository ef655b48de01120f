"""The ports console: the mirror as a list an operator can filter (status, country, carrier,
type, expiry), a port page with its rotation history, links, renewals and audit trail, and the
actions of operations.py (on the list for selected ports, and as buttons on the port page).
Fields are never edited here: every change goes through the services, upstream first."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy

from apps.core.admin_helpers import BOTH, ReadOnlyAdminMixin, ReadOnlyInline, customer_link
from apps.core.admin_operations import new_nonce
from apps.core.http import client_ip
from apps.core.models import AuditEntry
from apps.ports.dashboard import STATUS_TONES
from apps.ports.models import Port, PortRenewal, PortRotation, PortRotationLink, PortStatus

from .filters import ExpiringFilter, StatusFilter
from .operations import MAX_PORTS_PER_OPERATION, OPERATIONS, Operation, OperationContext, operation_run

CONSOLE_TONES = {"ok": "ok", "danger": "danger", "neutral": "muted"}


def status_badge(port: Port) -> str:
    status = port.status
    tone = CONSOLE_TONES.get(STATUS_TONES.get(status, "neutral"), "muted")
    return format_html('<span class="console-pill console-pill-{}">{}</span>', tone, PortStatus(status).label)


def _operation_action(operation: Operation):
    def run(modeladmin, request, queryset):
        return modeladmin.run_operation(request, queryset, operation)

    run.__name__ = operation.name
    return admin.action(description=operation.title, permissions=[operation.permission], location=BOTH)(run)


class RotationInline(ReadOnlyInline):
    model = PortRotation
    fields = ("rotated_at", "trigger", "from_ip", "to_ip", "success", "country", "carrier")
    readonly_fields = fields
    ordering = ("-rotated_at",)
    max_num = 0
    verbose_name_plural = gettext_lazy("rotation history (as last synced)")


class LinkInline(ReadOnlyInline):
    model = PortRotationLink
    fields = ("hint", "created_at", "revoked_at", "last_used_at", "use_count")
    readonly_fields = fields
    verbose_name_plural = gettext_lazy("rotation links (tokens are stored hashed)")


class RenewalInline(ReadOnlyInline):
    model = PortRenewal
    fields = ("order_ref", "days", "target_expires_at", "applied_at", "created_at")
    readonly_fields = fields


@admin.register(Port)
class PortAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        "label_display",
        "customer_link",
        "status_display",
        "sharing",
        "country_code",
        "carrier",
        "last_ip",
        "expires_at",
        "last_synced_at",
    )
    list_select_related = ("customer",)
    list_filter = (StatusFilter, ExpiringFilter, "sharing", "country_code", "carrier", "auto_rotation_enabled")
    search_fields = ("customer__email", "label", "display_name", "upstream_id", "name", "server_ip", "last_ip")
    search_help_text = "Customer e-mail, name, upstream id, server or IP."
    date_hierarchy = "created_at"
    ordering = ("-created_at",)
    list_per_page = 50
    actions = [_operation_action(op) for op in OPERATIONS.values()]
    inlines = [RotationInline, LinkInline, RenewalInline]
    readonly_fields = (
        "customer_link",
        "status_display",
        "upstream_id",
        "name",
        "display_name",
        "label",
        "sharing",
        "country_code",
        "country_name",
        "carrier",
        "region",
        "server_ip",
        "http_port",
        "socks_port",
        "login",
        "os_fingerprint",
        "expires_at",
        "upstream_status",
        "health",
        "last_ip",
        "last_ip_at",
        "auto_rotation_enabled",
        "auto_rotation_seconds",
        "match_carrier",
        "match_city",
        "rotation_count",
        "last_rotated_at",
        "last_synced_at",
        "missing_upstream",
        "blocked_at",
        "released_at",
        "create_order_ref",
        "created_at",
    )
    fieldsets = (
        (None, {"fields": ("customer_link", "status_display", "label", "upstream_id", "name", "display_name")}),
        ("Where", {"fields": ("sharing", "country_code", "country_name", "carrier", "region")}),
        ("Connection", {"fields": ("server_ip", "http_port", "socks_port", "login", "os_fingerprint")}),
        (
            "Upstream status",
            {"fields": ("upstream_status", "health", "last_ip", "last_ip_at", "last_synced_at", "missing_upstream")},
        ),
        (
            "Rotation",
            {
                "fields": (
                    "auto_rotation_enabled",
                    "auto_rotation_seconds",
                    "match_carrier",
                    "match_city",
                    "rotation_count",
                    "last_rotated_at",
                )
            },
        ),
        ("Lifecycle", {"fields": ("expires_at", "blocked_at", "released_at", "create_order_ref", "created_at")}),
    )

    class Media:
        css = {"all": ("css/console.css",)}

    def has_operate_permission(self, request) -> bool:
        return request.user.has_perm("ports.change_port")

    def has_remove_permission(self, request) -> bool:
        return request.user.has_perm("ports.delete_port")

    @admin.display(description="port", ordering="label")
    def label_display(self, obj: Port) -> str:
        return obj.label or obj.display_name

    @admin.display(description="customer", ordering="customer__email")
    def customer_link(self, obj: Port) -> str:
        return customer_link(obj.customer)

    @admin.display(description="status")
    def status_display(self, obj: Port) -> str:
        return status_badge(obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        port = self.get_object(request, unquote(object_id))
        extra = {}
        if port is not None:
            allowed = self.get_actions(request, action_location=admin.ActionLocation.CHANGE_FORM)
            extra = {
                "operations": [op for op in OPERATIONS.values() if op.name in allowed and port.released_at is None],
                "status_badge": status_badge(port),
                "local_audit": AuditEntry.objects.filter(target_type=self.opts.label_lower, target_id=str(port.pk))
                .select_related("actor")
                .order_by("-created_at", "-id")[:20],
                "audit_log_url": reverse("admin:core_auditentry_changelist")
                + f"?target_type={self.opts.label_lower}&target_id={port.pk}",
            }
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def run_operation(self, request, queryset, operation: Operation):
        """The intermediate page (reason and options), then the operation on every selected port."""
        count = queryset.count()
        if count > MAX_PORTS_PER_OPERATION:
            self.message_user(
                request,
                f"{operation.title}: select at most {MAX_PORTS_PER_OPERATION} ports at once (each is an upstream "
                f"call); {count} were selected. Nothing was changed.",
                messages.ERROR,
            )
            return None
        ports = list(queryset.select_related("customer").order_by("pk"))
        form = None
        if "apply" in request.POST:
            form = operation.form_class(request.POST)
            if form.is_valid():
                self._apply(request, ports, operation, form.cleaned_data)
                return None
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
            "rows": [(port, status_badge(port)) for port in ports[:25]],
            "more": max(0, len(ports) - 25),
            "count": len(ports),
            "hidden": hidden,
            "selected": [port.pk for port in ports],
            "media": self.media + form.media,
            "back_url": reverse("admin:ports_port_change", args=[ports[0].pk])
            if "CHANGE_FORM-action" in request.POST and ports
            else reverse("admin:ports_port_changelist"),
        }
        return TemplateResponse(request, "admin/ports/port/operation.html", context)

    def _apply(self, request, ports: list[Port], operation: Operation, data: dict) -> None:
        ctx = OperationContext(actor=request.user, ip=client_ip(request), reason=data["reason"], nonce=data["nonce"])
        outcomes = [operation_run(operation=operation, port=port, data=data, ctx=ctx) for port in ports]
        for outcome in outcomes[:20]:
            level = messages.SUCCESS if outcome.ok else messages.ERROR
            self.message_user(request, f"{operation.title} — {outcome.port}: {outcome.message}.", level)
        if len(outcomes) > 20:
            self.message_user(request, f"…and {len(outcomes) - 20} more; see the audit log.", messages.INFO)
