from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from apps.accounts.http import AuthenticatedHttpRequest
from apps.core.html import compact_html_response
from apps.proxies.dashboard.builder import random_sid_part
from apps.proxies.forms import ProxyUrlForm

from .common import dashboard_page_context, secret_shown_once, stock_counts_cached


@never_cache
@login_required
@compact_html_response
@require_http_methods(["GET", "POST"])
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    """GET: the dashboard. POST: the URL builder without JavaScript (the options travel in the
    body, never in a URL, and the page is rebuilt with them)."""
    builder_form = None
    if request.method == "POST":
        data = request.POST.copy()
        if request.POST.get("action") == "random_sid":
            data["sid_part"] = random_sid_part()
        builder_form = ProxyUrlForm(data, stock_counts=stock_counts_cached())
    context = dashboard_page_context(request, builder_form=builder_form, **secret_shown_once(request))
    return render(request, "proxies/dashboard.html", context)
