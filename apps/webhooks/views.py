"""The dashboard's webhooks page (under the API tab): add, pause, test, rotate and delete
endpoints; the recent deliveries. POST-redirect-GET; the services do the work."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.http import AuthenticatedHttpRequest
from apps.core.errors import ApplicationError

from .forms import WebhookEndpointForm
from .selectors import (
    webhook_delivery_list_for_endpoint,
    webhook_endpoint_get_for_customer,
    webhook_endpoint_list_for_customer,
)
from .services import (
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_test,
    webhook_endpoint_update,
)

# A new secret waits in the session for the one GET that shows it (never in a URL or a cookie).
SECRET_SESSION_KEY = "webhook_secret_shown"
RECENT_DELIVERIES = 5


def _page(request: AuthenticatedHttpRequest, *, form: WebhookEndpointForm, secret: dict | None = None, status=200):
    endpoints = webhook_endpoint_list_for_customer(customer=request.user)
    rows = [
        (endpoint, webhook_delivery_list_for_endpoint(endpoint=endpoint)[:RECENT_DELIVERIES]) for endpoint in endpoints
    ]
    context = {"form": form, "rows": rows, "secret": secret}
    return render(request, "webhooks/endpoints.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def webhooks_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _page(request, form=WebhookEndpointForm(), secret=request.session.pop(SECRET_SESSION_KEY, None))
    form = WebhookEndpointForm(request.POST)
    if not form.is_valid():
        return _page(request, form=form, status=400)
    try:
        endpoint, secret = webhook_endpoint_create(customer=request.user, **form.cleaned_data)
    except ApplicationError as exc:
        form.add_error("url", exc.message)
        return _page(request, form=form, status=400)
    request.session[SECRET_SESSION_KEY] = {"url": endpoint.url, "secret": secret}
    return redirect(reverse("webhooks:dashboard") + "#new-secret")


@never_cache
@login_required
@require_POST
def webhook_action_view(request: AuthenticatedHttpRequest, endpoint_id: int, action: str) -> HttpResponse:
    """toggle, test, rotate or delete one of the caller's endpoints; anyone else's is a 404."""
    endpoint = webhook_endpoint_get_for_customer(customer=request.user, endpoint_id=endpoint_id)
    try:
        if action == "toggle":
            webhook_endpoint_update(endpoint=endpoint, enabled=not endpoint.enabled)
            messages.success(request, _("Endpoint enabled.") if endpoint.enabled else _("Endpoint paused."))
        elif action == "test":
            webhook_endpoint_test(endpoint=endpoint)
            messages.success(request, _("A webhook.test event is on its way."))
        elif action == "rotate":
            secret = webhook_endpoint_rotate_secret(endpoint=endpoint)
            request.session[SECRET_SESSION_KEY] = {"url": endpoint.url, "secret": secret, "rotated": True}
        elif action == "delete":
            webhook_endpoint_delete(endpoint=endpoint)
            messages.success(request, _("Endpoint deleted."))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect(reverse("webhooks:dashboard"))
