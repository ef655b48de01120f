"""The local audit log in the console: read-only, who did what, when, from where; and the
deduplicated operator alerts. (The console's own pages, such as the overview, live in
apps/console.)"""

from django.contrib import admin
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy

from .admin_helpers import ReadOnlyAdminMixin, customer_link, pretty_json, short_text
from .models import AuditEntry, OperatorAlert


class ActionGroupFilter(admin.SimpleListFilter):
    """By what the action is about: the part before the first dot (pool_key, order, console...)."""

    title = gettext_lazy("action group")
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
    title = gettext_lazy("done by")
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
class AuditEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """An audit log nobody can edit is the point."""

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

    def lookup_allowed(self, lookup, value, request=None) -> bool:
        # Links from a key or customer page filter on these.
        if lookup in ("target_id", "target_type", "customer__id__exact", "actor__id__exact"):
            return True
        return super().lookup_allowed(lookup, value, request)

    @admin.display(description="who", ordering="actor__email")
    def who(self, obj: AuditEntry) -> str:
        actor = obj.actor
        if actor is None:
            return "system"
        return f"{actor.email}{' (staff)' if actor.is_staff else ''}"

    @admin.display(description="customer", ordering="customer__email")
    def customer_link(self, obj: AuditEntry) -> str:
        return customer_link(obj.customer)

    @admin.display(description="target")
    def target(self, obj: AuditEntry) -> str:
        if not obj.target_type:
            return "—"
        label = f"{obj.target_type} #{obj.target_id}"
        url = target_url(obj)
        return format_html('<a href="{}">{}</a>', url, label) if url else label

    @admin.display(description="reason")
    def reason_short(self, obj: AuditEntry) -> str:
        return short_text(obj.reason)

    @admin.display(description="data")
    def data_pretty(self, obj: AuditEntry) -> str:
        return pretty_json(obj.data)


# Alerts are records written by the jobs: looked at, never edited or deleted by hand (deleting a
# claim would send the alert again).
@admin.register(OperatorAlert)
class OperatorAlertAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "kind", "subject", "sent_at")
    list_filter = ("kind", ("sent_at", admin.EmptyFieldListFilter))
    search_fields = ("subject", "dedup_key")
    date_hierarchy = "created_at"
