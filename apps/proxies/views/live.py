"""The live parts of the dashboard, refreshed by htmx: sessions, stock, incidents. These may
call the upstream (through the feed cache); the page itself never does."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.http import AuthenticatedHtmxHttpRequest
from apps.core.errors import ApplicationError, NotFound
from apps.core.http import client_ip
from apps.core.ratelimit import rate_limit_allows, rate_limited_response
from apps.proxies import services
from apps.proxies.dashboard.live import active_incidents, incident_views, sessions_view, stock_view
from apps.proxies.models import PoolKey
from apps.proxies.selectors import session_list_for_customer
from apps.proxies.services import feeds

from .common import own_key, selected_key_id


def _sessions_response(
    request: AuthenticatedHtmxHttpRequest, message: dict | None = None, status: int = 200
) -> HttpResponse:
    include = request.GET.get("synth") == "1" or request.POST.get("synth") == "1"
    key = _selected_key(request)
    sessions = session_list_for_customer(
        customer=request.user, feed=feeds.sessions_feed(fetch=True), include_synthesized=include, key=key
    )
    context = {
        "sessions": sessions_view(sessions, include_synthesized=include),
        "sessions_message": message,
        "key": key,
    }
    return render(request, "proxies/partials/sessions.html", context, status=status)


def _selected_key(request: AuthenticatedHtmxHttpRequest) -> PoolKey | None:
    """The key whose sessions the panel shows (`key` in the query or form); None: all the
    customer's. Someone else's key is a 404."""
    key_id = selected_key_id(request)
    return own_key(request, key_id) if key_id else None


TOO_MANY_CLOSES = "You closed sessions many times in a short time. Please wait a few minutes, then try again."


def _rate_limited(request: AuthenticatedHtmxHttpRequest) -> HttpResponse:
    """429: the panel with the message for htmx (base.html lets htmx show a 429), else the page."""
    if request.htmx:
        return _sessions_response(request, {"tone": "danger", "text": TOO_MANY_CLOSES}, status=429)
    return rate_limited_response(request, message=TOO_MANY_CLOSES)


def _back_to_sessions(request: AuthenticatedHtmxHttpRequest, message: dict) -> HttpResponse:
    """Without htmx: a normal redirect back, the message shown on the page."""
    level = messages.SUCCESS if message["tone"] == "ok" else messages.ERROR
    messages.add_message(request, level, message["text"])
    key_id = selected_key_id(request)
    query = f"?key={int(key_id)}" if key_id and str(key_id).isdigit() else ""
    return redirect(reverse("proxies:dashboard") + query + "#sessions")


@never_cache
@login_required
@require_GET
def sessions_partial(request: AuthenticatedHtmxHttpRequest) -> HttpResponse:
    return _sessions_response(request)


@never_cache
@login_required
@require_POST
def session_close(request: AuthenticatedHtmxHttpRequest, session_key: str) -> HttpResponse:
    """Closes one of the caller's sessions; anyone else's session is a 404."""
    if not rate_limit_allows(request, action="session_close"):
        return _rate_limited(request)
    try:
        closed = services.session_close(customer=request.user, session_key=session_key, ip=client_ip(request))
    except NotFound:
        raise  # anyone else's session: a 404, like a missing one
    except ApplicationError as exc:
        message = {"tone": "danger", "text": exc.message}
    else:
        message = {"tone": "ok", "text": f"Session {closed.session_id} closed."}
    if request.htmx:
        return _sessions_response(request, message)
    return _back_to_sessions(request, message)


@never_cache
@login_required
@require_POST
def sessions_close_all(request: AuthenticatedHtmxHttpRequest) -> HttpResponse:
    """Closes each of the caller's own sessions (never the upstream's close-all)."""
    if not rate_limit_allows(request, action="sessions_close_all"):
        return _rate_limited(request)
    try:
        result = services.sessions_close_all(customer=request.user, ip=client_ip(request), key=_selected_key(request))
    except ApplicationError as exc:
        message = {"tone": "danger", "text": exc.message}
    else:
        if result.failed:
            text = f"Closed {result.closed} sessions; {result.failed} could not be closed right now."
            message = {"tone": "danger", "text": text}
        else:
            message = {"tone": "ok", "text": f"Closed {result.closed} session{'s' if result.closed != 1 else ''}."}
    if request.htmx:
        return _sessions_response(request, message)
    return _back_to_sessions(request, message)


@login_required
@require_GET
def stock_partial(request: AuthenticatedHtmxHttpRequest) -> HttpResponse:
    incidents = active_incidents(feeds.incidents_feed(fetch=False))
    view = stock_view(feeds.stock_feed(fetch=True), incidents=incidents)
    view.oob = True
    return render(request, "proxies/partials/stock.html", {"stock": view})


@login_required
@require_GET
def incidents_partial(request: AuthenticatedHtmxHttpRequest) -> HttpResponse:
    incidents = incident_views(feeds.incidents_feed(fetch=True))
    return render(request, "proxies/partials/incidents.html", {"incidents": incidents, "lazy": False})
