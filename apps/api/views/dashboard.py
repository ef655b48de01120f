"""The dashboard's API tab: create (the key is shown once), list and revoke API keys. Thin, like
the other dashboard views: POST-redirect-GET, the services do the work."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.http import AuthenticatedHttpRequest
from apps.accounts.models import ApiKey
from apps.accounts.selectors import api_key_get_for_customer, api_key_list_for_customer
from apps.accounts.services import api_key_create, api_key_revoke
from apps.core.errors import ApplicationError
from apps.core.http import client_ip

from ..forms import ApiKeyCreateForm

# The new key waits in the session for the one GET that shows it, then is gone.
CREATED_SESSION_KEY = "api_key_created"


def _page(request: AuthenticatedHttpRequest, *, form: ApiKeyCreateForm, created: dict | None = None, status: int = 200):
    context = {"form": form, "api_keys": api_key_list_for_customer(customer=request.user), "created": created}
    return render(request, "api/keys.html", context, status=status)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def api_keys_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _page(request, form=ApiKeyCreateForm(), created=request.session.pop(CREATED_SESSION_KEY, None))
    form = ApiKeyCreateForm(request.POST)
    if not form.is_valid():
        return _page(request, form=form, status=400)
    try:
        key, raw_key = api_key_create(
            customer=request.user,
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            expires_at=form.expires_at(),
            ip_allowlist=form.cleaned_data["ip_allowlist"],
            ip=client_ip(request),
        )
    except ApplicationError as exc:
        field = exc.extra.get("field")
        form.add_error(field if field in form.fields else None, exc.message)
        return _page(request, form=form, status=400)
    request.session[CREATED_SESSION_KEY] = {"id": key.pk, "name": key.name, "key": raw_key}
    return redirect(reverse("api:dashboard") + "#new-key")


@never_cache
@login_required
@require_POST
def api_key_revoke_view(request: AuthenticatedHttpRequest, key_id: int) -> HttpResponse:
    """Revokes one of the caller's keys; anyone else's is a 404."""
    try:
        key = api_key_get_for_customer(customer=request.user, key_id=key_id)
    except ApiKey.DoesNotExist:
        raise Http404(gettext("No such API key.")) from None
    if api_key_revoke(key=key, actor=request.user, ip=client_ip(request), reason="revoked by the customer"):
        message = f"API key “{key.name}” revoked. Requests with it now get 401."
    else:
        message = f"API key “{key.name}” was already revoked."
    if getattr(request, "htmx", False):
        context = {"api_keys": api_key_list_for_customer(customer=request.user), "keys_message": message}
        return render(request, "api/partials/key_list.html", context)
    messages.success(request, message)
    return redirect(reverse("api:dashboard") + "#api-keys")
