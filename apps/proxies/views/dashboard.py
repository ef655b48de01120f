from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from apps.proxies.dashboard.builder import random_sid_part
from apps.proxies.dashboard.feeds import stock_counts, stock_feed
from apps.proxies.dashboard.orders import provisioning_status_for_customer
from apps.proxies.dashboard.page import dashboard_context
from apps.proxies.forms import ProxyUrlForm
from apps.proxies.selectors import pool_key_current_for_customer


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def dashboard(request: HttpRequest) -> HttpResponse:
    """GET: the dashboard. POST: the URL builder without JavaScript (the options travel in the
    body, never in a URL, and the page is rebuilt with them)."""
    builder_form = None
    if request.method == "POST":
        data = request.POST.copy()
        if request.POST.get("action") == "random_sid":
            data["sid_part"] = random_sid_part()
        builder_form = ProxyUrlForm(data, stock_counts=stock_counts(stock_feed(fetch=False).value))
    context = dashboard_context(customer=request.user, builder_form=builder_form)
    return render(request, "proxies/dashboard.html", context)


@never_cache
@login_required
@require_GET
def order_status(request: HttpRequest) -> HttpResponse:
    """The "preparing your proxy" panel, polled by htmx. Once nothing is waiting any more the
    whole page reloads (HX-Refresh) so the customer lands on their active key."""
    has_key = pool_key_current_for_customer(customer=request.user) is not None
    status = provisioning_status_for_customer(customer=request.user, has_key=has_key, nudge=True)
    response = render(request, "proxies/partials/order_status.html", {"status": status})
    if not status.waiting and request.htmx:
        response["HX-Refresh"] = "true"
    return response
