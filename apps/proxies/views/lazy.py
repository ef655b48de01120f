"""Parts of the dashboard requested by htmx after the page has rendered: the usage card when the
mirror is out of date (the page itself never waits on the upstream), the daily chart, the full
key list of a customer with many keys, the recent orders, the pricing cards and the help card. The page stays
small and its query count fixed, whatever the customer has."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.accounts.http import AuthenticatedHttpRequest
from apps.proxies.dashboard.formats import SUGGESTIONS_JSON, SUGGESTIONS_VERSION
from apps.proxies.dashboard.keys import key_selected, key_switch_rows, purchase_targets
from apps.proxies.dashboard.page import help_context, usage_view
from apps.proxies.selectors import pool_key_dashboard, pool_key_mirror_is_stale, pool_key_usage
from apps.proxies.selectors_keys import pool_key_is_held, pool_key_limit
from apps.proxies.services import pool_key_refresh_if_stale

from .common import dashboard_page_context, own_key, selected_key_id


@never_cache
@login_required
@require_GET
def key_usage(request: AuthenticatedHttpRequest, key_id: int) -> HttpResponse:
    """The usage card, read from the upstream first when the mirror is older than the refresh
    interval (at most once per key per interval, whoever asks)."""
    key = own_key(request, key_id)
    pool_key_refresh_if_stale(key=key)
    key.refresh_from_db()
    usage = pool_key_usage(key=key, stale=pool_key_mirror_is_stale(key=key, now=timezone.now()))
    context = {"key": key, "usage": usage_view(usage), "key_held": pool_key_is_held(key), "usage_fresh": True}
    return render(request, "proxies/partials/usage.html", context)


@never_cache
@login_required
@require_GET
def key_history(request: AuthenticatedHttpRequest, key_id: int) -> HttpResponse:
    """The key's daily traffic chart (templates/proxies/_usage_chart.html)."""
    key = own_key(request, key_id)
    return render(request, "proxies/partials/history_chart.html", {"key": key})


@never_cache
@login_required
@require_GET
def key_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every key of the caller as the switcher's list items (`?key=` marks the one shown)."""
    keys = pool_key_dashboard(customer=request.user)
    rows = key_switch_rows(keys, key_selected(keys, selected_key_id(request)))
    return render(request, "proxies/partials/key_list_items.html", {"key_rows": rows})


@never_cache
@login_required
@require_GET
def key_buy(request: AuthenticatedHttpRequest, key_id: int) -> HttpResponse:
    """The pricing cards, a purchase going to this key by default (or another, or a new one)."""
    keys = pool_key_dashboard(customer=request.user)
    targets = purchase_targets(keys, key_selected(keys, key_id), can_add=len(keys) < pool_key_limit())
    return render(request, "proxies/partials/buy.html", {"purchase_targets": targets})


@never_cache
@login_required
@require_GET
def orders_recent(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The caller's newest orders (billing's panel)."""
    return render(request, "proxies/partials/orders_recent.html")


@login_required
@require_GET
def help_card(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The "Getting started" card (the same for every customer)."""
    return render(request, "proxies/partials/getting_started.html", {**help_context(), "key": True})


@require_GET
def builder_suggestions(request: HttpRequest, version: str) -> HttpResponse:
    """Carriers and cities per country for the URL builder: public, the same for everyone, and
    named by its content, so browsers keep it for a year and a new list gets a new address."""
    if version != SUGGESTIONS_VERSION:
        return HttpResponse(status=404)
    response = HttpResponse(SUGGESTIONS_JSON, content_type="application/json")
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["ETag"] = f'"{SUGGESTIONS_VERSION}"'
    return response


@never_cache
@login_required
@require_GET
def key_manage(request: AuthenticatedHttpRequest, key_id: int) -> HttpResponse:
    """The "Manage this key" card: rename, move GB, alert levels, delete (a page of its own for a
    browser without scripts)."""
    template = "proxies/partials/key_actions.html" if request.headers.get("HX-Request") else "proxies/key_manage.html"
    return render(request, template, dashboard_page_context(request, key_id=key_id))
