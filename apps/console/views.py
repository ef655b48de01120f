"""The console's own pages. Thin: refresh what the page needs through the owning app's service,
then render what the selectors read."""

import re
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST
from markdown_it import MarkdownIt

from apps.core.selectors import background_jobs_status
from apps.proxies.services.pricing import wholesale_pricing_refresh

from .selectors import PERIOD_CHOICES, operator_overview, operator_trends, overview_period
from .view_as import SESSION_KEY, view_as_stop

OVERVIEW_PERMISSION = "billing.view_order"


def overview_view(request):
    """Staff only (admin_view), and only those who may see orders: the page shows revenue."""
    if not request.user.has_perm(OVERVIEW_PERMISSION):
        raise PermissionDenied
    period = overview_period(name=request.GET.get("period"))
    wholesale_pricing_refresh()  # at most once an hour; a failure leaves the last good price
    context = {
        **admin.site.each_context(request),
        "title": "Overview",
        "overview": operator_overview(period=period),
        "trends": operator_trends(period=period),
        "periods": PERIOD_CHOICES,
        **_background_jobs(),
    }
    return TemplateResponse(request, "console/overview.html", context)


def _background_jobs() -> dict:
    jobs = background_jobs_status()
    rows = [] if jobs["inline"] else [("Worker", jobs["worker"]), ("Beat", jobs["beat"])]
    return {"jobs": jobs, "jobs_rows": rows}


GUIDE = Path(settings.BASE_DIR) / "docs" / "operator-guide.md"
_IMAGE = re.compile(r"^!\[[^\]]*\]\([^)]*\)\s*$", re.MULTILINE)  # screenshots live beside the file, not here
_HEADING = re.compile(r"<h([23])>(.+?)</h\1>")


@cache
def _guide_html() -> str:
    """docs/operator-guide.md as HTML (raw HTML in the file is escaped), headings with ids."""
    text = _IMAGE.sub("", GUIDE.read_text(encoding="utf-8"))
    html = MarkdownIt("commonmark", {"html": False}).enable("table").render(text)

    def anchor(match: re.Match) -> str:
        slug = re.sub(r"[^a-z0-9]+", "-", re.sub(r"<[^>]+>", "", match.group(2)).lower()).strip("-")
        return f'<h{match.group(1)} id="{slug}">{match.group(2)}</h{match.group(1)}>'

    return _HEADING.sub(anchor, html)


def guide_view(request):
    """The operator guide, for every staff member (admin_view), rendered from the repository's docs."""
    context = {**admin.site.each_context(request), "title": "Operator guide", "guide_html": _guide_html()}
    return TemplateResponse(request, "console/guide.html", context)


@require_POST
def view_as_stop_view(request):
    """Ends "view as customer" (staff only: admin_view) and goes back to the customer's page."""
    state = request.session.get(SESSION_KEY) or {}
    view_as_stop(request)
    customer_id = state.get("customer")
    target = reverse("admin:accounts_user_change", args=[customer_id]) if customer_id else reverse("admin:index")
    return HttpResponseRedirect(target)
