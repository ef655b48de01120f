"""The console's shared pages: the local audit log (read-only: who did what, when, from where)
and the staff overview, added to the admin site's own URLs so it sits behind the same staff-only,
rate-limited, two-factor login."""

import json

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html

from apps.proxies.selectors_overview import PERIOD_CHOICES, operator_overview, overview_period

from .models import AuditEntry


class ActionGroupFilter(admin.SimpleListFilter):
    """By what the action is about: the part before the first dot (pool_key, order, console...)."""

    title = "action group"
    parameter_name = "group"

    def lookups(self, request, model_admin):
        actions = AuditEntry.objects.order_by().values_list("action", flat=True).distinct()
        groups = sorted({action.split(".", 1)[0] for action in actions})
        return [(group, group.replace("_", " ")) for group in groups]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(Q(action__startswith=f"{self.value()}.") | Q(action=self.value()))
        return queryset


class ActorFilter(admin.SimpleListFilter):
    title = "done by"
    parameter_name = "by"

    def lookups(self, request, model_admin):
        return [("staff", "Staff"), ("customer", "A customer"), ("system", "The system (jobs, webhooks)")]

    def queryset(self, request, queryset):
        if self.value() == "staff":
            return queryset.filter(actor__is_staff=True)
        if self.value() == "customer":
            return queryset.filter(actor__isnull=False, actor__is_staff=False)
        if self.value() == "system":
            return queryset.filter(actor__isnull=True)
        return queryset


def target_url(entry: AuditEntry) -> str | None:
    if not entry.target_type or not entry.target_id or "." not in entry.target_type:
        return None
    app_label, model = entry.target_type.split(".", 1)
    try:
        return reverse(f"admin:{app_label}_{model}_change", args=[entry.target_id])
    except NoReverseMatch:
        return None


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "action", "who", "customer_link", "target", "reason_short", "ip", "request_id")
    list_filter = (ActionGroupFilter, ActorFilter, "target_type", "created_at")
    search_fields = ("action", "actor__email", "customer__email", "target_id", "request_id", "reason")
    search_help_text = "Action, staff or customer e-mail, target id, request id or reason."
    list_select_related = ("actor", "customer")
    date_hierarchy = "created_at"
    list_per_page = 100
    fields = (
        "created_at",
        "action",
        "who",
        "customer_link",
        "target",
        "reason",
        "ip",
        "request_id",
        "data_pretty",
    )
    readonly_fields = fields

    class Media:
        css = {"all": ("css/console.css",)}

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # an audit log nobody can edit is the point

    def lookup_allowed(self, lookup, value, request=None) -> bool:
        # Links from a key or customer page filter on these.
        if lookup in ("target_id", "target_type", "customer__id__exact", "actor__id__exact"):
            return True
        return super().lookup_allowed(lookup, value, request)

    @admin.display(description="who", ordering="actor__email")
    def who(self, obj: AuditEntry) -> str:
        if obj.actor_id is None:
            return "system"
        return f"{obj.actor.email}{' (staff)' if obj.actor.is_staff else ''}"

    @admin.display(description="customer", ordering="customer__email")
    def customer_link(self, obj: AuditEntry) -> str:
        if obj.customer_id is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a>', reverse("admin:accounts_user_change", args=[obj.customer_id]), obj.customer.email
        )

    @admin.display(description="target")
    def target(self, obj: AuditEntry) -> str:
        if not obj.target_type:
            return "—"
        label = f"{obj.target_type} #{obj.target_id}"
        url = target_url(obj)
        return format_html('<a href="{}">{}</a>', url, label) if url else label

    @admin.display(description="reason")
    def reason_short(self, obj: AuditEntry) -> str:
        return obj.reason if len(obj.reason) <= 60 else obj.reason[:57] + "…"

    @admin.display(description="data")
    def data_pretty(self, obj: AuditEntry) -> str:
        return format_html("<pre>{}</pre>", json.dumps(obj.data, indent=2, sort_keys=True, default=str))


# The overview --------------------------------------------------------------------------------

OVERVIEW_PERMISSION = "billing.view_order"


def overview_view(request):
    """Staff only (admin_view), and only those who may see orders: the page shows revenue."""
    if not request.user.has_perm(OVERVIEW_PERMISSION):
        raise PermissionDenied
    period = overview_period(name=request.GET.get("period"))
    context = {
        **admin.site.each_context(request),
        "title": "Overview",
        "overview": operator_overview(period=period),
        "periods": PERIOD_CHOICES,
    }
    return TemplateResponse(request, "admin/overview.html", context)


def _with_console_urls(get_urls):
    def urls():
        return [path("overview/", admin.site.admin_view(overview_view), name="overview"), *get_urls()]

    return urls


admin.site.get_urls = _with_console_urls(admin.site.get_urls)
