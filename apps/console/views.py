"""The console's own pages. Thin: refresh what the page needs through the owning app's service,
then render what the selectors read."""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse

from apps.core.selectors import background_jobs_status
from apps.proxies.services.pricing import wholesale_pricing_refresh

from .selectors import PERIOD_CHOICES, operator_overview, overview_period

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
        "periods": PERIOD_CHOICES,
        **_background_jobs(),
    }
    return TemplateResponse(request, "console/overview.html", context)


def _background_jobs() -> dict:
    jobs = background_jobs_status()
    rows = [] if jobs["inline"] else [("Worker", jobs["worker"]), ("Beat", jobs["beat"])]
    return {"jobs": jobs, "jobs_rows": rows}
