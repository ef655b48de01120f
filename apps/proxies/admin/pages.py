"""The pool-key console's extra pages: usage exports (CSV, for one key, for all keys and for a
selection) and the upstream's own audit trail for one key, read live. A mixin of PoolKeyAdmin."""

import csv
import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext, gettext_lazy

from apps.core.http import client_ip
from apps.core.logging import mask_secrets
from apps.core.services import audit_log
from apps.proxies.models import PoolKey
from apps.proxies.selectors_usage import CHART_DAYS, usage_csv_rows, usage_csv_rows_for_key
from apps.proxies.services import client as services_client
from apps.proxies.upstream.errors import UpstreamError, UpstreamNotFound
from apps.proxies.upstream.records import UPSTREAM_AUDIT_ACTIONS

from .operations import describe_upstream_error

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


def _query_before(request) -> datetime | None:
    """`before` as an aware UTC datetime. A value that is no date and time, or one that exists
    only in its own offset (year 1 at +14:00, year 9999 at -14:00), is ignored with a message."""
    raw = request.GET.get("before", "")
    if not raw:
        return None
    try:
        before = parse_datetime(raw)
        if before is None:
            raise ValueError(raw)
        if timezone.is_naive(before):
            before = timezone.make_aware(before, UTC)
        return before.astimezone(UTC)
    except (ValueError, OverflowError):  # 2024-13-45, a +99:99 offset, a date beyond year 1-9999 in UTC
        messages.warning(request, gettext("Ignored 'before': it is not a date and time like 2026-01-31T12:00:00Z."))
        return None


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(rows, filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse((writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


if TYPE_CHECKING:  # the mixin only ever sits before admin.ModelAdmin, whose methods it calls
    _PagesBase = admin.ModelAdmin[PoolKey]
else:
    _PagesBase = object


class PoolKeyPagesMixin(_PagesBase):
    """The export action and the extra URLs of PoolKeyAdmin (put before admin.ModelAdmin)."""

    @admin.action(description=gettext_lazy("Export daily usage of the selected keys (CSV, last 30 days)"))
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
            raise Http404(gettext("No such pool key."))
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
        before = _query_before(request)
        action = request.GET.get("action", "")
        if action and action not in UPSTREAM_AUDIT_ACTIONS:
            messages.warning(request, gettext("Ignored the action filter: the upstream has no such action."))
            action = ""
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
