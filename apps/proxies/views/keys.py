import logging
import uuid

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.http import AuthenticatedHttpRequest
from apps.core.errors import ApplicationError, NotFound
from apps.core.http import client_ip
from apps.core.ratelimit import rate_limit_allows, rate_limited_response
from apps.proxies.dashboard.bulk import bulk_display_lines, bulk_proxies, bulk_seed
from apps.proxies.dashboard.formats import list_export, list_file_name, list_format
from apps.proxies.dashboard.page import builder_options
from apps.proxies.forms import BulkForm, ProxyUrlForm, RegenerateForm
from apps.proxies.services import idempotency_key_for, pool_key_regenerate, pool_key_reveal
from apps.proxies.upstream.errors import UpstreamError
from apps.proxies.urlgrammar import ProxyUrlError

from .common import dashboard_page_context, own_key, secret_show_once, stock_counts_cached, wants_json

logger = logging.getLogger(__name__)

UNAVAILABLE = "We can't reach the proxy network right now. Please try again in a minute."
TOO_MANY = "Too many reveals in a short time. Please wait a few minutes."
TOO_MANY_REGENERATIONS = "You regenerated this secret many times in a short time. Please wait a few minutes."


class HttpResponseSeeOther(HttpResponseRedirect):
    status_code = 303


def _counts() -> dict:
    return stock_counts_cached()


def _page(request: AuthenticatedHttpRequest, *, status: int = 200, **kwargs) -> HttpResponse:
    return render(request, "proxies/dashboard.html", dashboard_page_context(request, **kwargs), status=status)


def _builder_form_from(request: AuthenticatedHttpRequest) -> ProxyUrlForm | None:
    """The builder's options when the reveal came from the builder form (no-JS path)."""
    return ProxyUrlForm(request.POST, stock_counts=_counts()) if "pool" in request.POST else None


# Not wrapped in ATOMIC_REQUESTS: the upstream change cannot roll back, so the service's own
# short transaction (mirror + audit entry) must not either when rendering the reply fails.
@transaction.non_atomic_requests
@never_cache
@login_required
@require_POST
def key_reveal(request: AuthenticatedHttpRequest, key_id: int) -> HttpResponse:
    """The secret, through the upstream's audited reveal. JSON for the page's script; a full
    page (no-store) without JavaScript."""
    key = own_key(request, key_id)
    error, status = "", 200
    if not rate_limit_allows(request, action="key_reveal"):
        error, status = TOO_MANY, 429
    else:
        try:
            secret = pool_key_reveal(key=key, actor=request.user, ip=client_ip(request))
        except NotFound:
            raise
        except (UpstreamError, ApplicationError) as exc:
            logger.warning("reveal failed for key %s: %s", key.pk, exc)
            error, status = UNAVAILABLE, 503
    if wants_json(request):
        return JsonResponse({"error": error} if error else {"secret": secret}, status=status)
    if error:
        return _page(request, key_id=key.pk, status=status, notice={"tone": "danger", "text": error})
    return _page(request, key_id=key.pk, secret=secret, builder_form=_builder_form_from(request))


@transaction.non_atomic_requests
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def key_regenerate(request: AuthenticatedHttpRequest, key_id: int) -> HttpResponse:
    """GET: the confirmation step. POST: a new secret; the old one stops working at once. The
    form's `op` is the idempotency nonce, so a double submit regenerates once."""
    key = own_key(request, key_id)
    if request.method == "GET":
        form = RegenerateForm(initial={"op": uuid.uuid4().hex})
        return render(request, "proxies/regenerate_confirm.html", {"key": key, "form": form})
    form = RegenerateForm(request.POST)
    if not form.is_valid():
        return render(request, "proxies/regenerate_confirm.html", {"key": key, "form": form}, status=400)
    if not rate_limit_allows(request, action="key_regenerate"):  # each one is an upstream write
        return rate_limited_response(request, message=TOO_MANY_REGENERATIONS)
    try:
        key, secret = pool_key_regenerate(
            key=key,
            idempotency_key=idempotency_key_for(action="regen", obj_ref=f"pk{key.pk}", nonce=form.cleaned_data["op"]),
            actor=request.user,
            reason="customer regenerated the secret from the dashboard",
            ip=client_ip(request),
        )
    except (UpstreamError, ApplicationError) as exc:
        logger.warning("regenerate failed for key %s: %s", key.pk, exc)
        form.add_error(None, "Your secret could not be regenerated right now; it still works. Please try again.")
        return render(request, "proxies/regenerate_confirm.html", {"key": key, "form": form}, status=503)
    secret_show_once(request, secret=secret, just_regenerated=True)
    return HttpResponseSeeOther(f"{reverse('proxies:dashboard')}?key={key.pk}")


@transaction.non_atomic_requests
@never_cache
@login_required
@require_POST
def key_bulk(request: AuthenticatedHttpRequest, key_id: int) -> HttpResponse:
    """Bulk lists. `preview` and `reseed` rebuild the page (masked); `txt` (full URLs), `csv` and
    `download` (the chosen `layout`: URL, host:port:user:pass, user:pass@host:port, host:port with
    separate auth, JSON) download the list with the real secret (read through the audited
    reveal). POST only: the secret never travels in a URL."""
    key = own_key(request, key_id)
    form = BulkForm(request.POST, stock_counts=_counts())
    if not form.is_valid():
        return _page(request, key_id=key.pk, status=400, bulk_form=form)
    fmt = form.cleaned_data.get("format") or "preview"
    if fmt == "reseed":
        data = request.POST.copy()
        data["bulk-seed"] = bulk_seed()
        form = BulkForm(data, stock_counts=_counts())
        form.is_valid()
        fmt = "preview"
    options = builder_options(form)
    seed, count = form.cleaned_data["seed"], form.cleaned_data["count"]
    try:
        bulk_proxies(key=key, options=options, seed=seed, count=1, secret=None)  # validates the options once
    except ProxyUrlError as exc:
        form.add_error(None, exc.message)
        return _page(request, key_id=key.pk, status=400, bulk_form=form)
    if fmt == "preview":
        lines = bulk_display_lines(
            key=key, proxies=bulk_proxies(key=key, options=options, seed=seed, count=count, secret=None), secret=None
        )
        return _page(request, key_id=key.pk, bulk_form=form, bulk_lines=lines)
    if not rate_limit_allows(request, action="key_reveal"):
        return _page(request, key_id=key.pk, status=429, bulk_form=form, notice={"tone": "danger", "text": TOO_MANY})
    try:
        secret = pool_key_reveal(key=key, actor=request.user, ip=client_ip(request))
    except NotFound:
        raise
    except (UpstreamError, ApplicationError) as exc:
        logger.warning("bulk download failed for key %s: %s", key.pk, exc)
        return _page(request, key_id=key.pk, status=503, bulk_form=form, notice={"tone": "danger", "text": UNAVAILABLE})
    proxies = bulk_proxies(key=key, options=options, seed=seed, count=count, secret=secret)
    layout = list_format({"txt": "url", "csv": "csv"}.get(fmt) or form.cleaned_data.get("layout") or "url")
    response = HttpResponse(list_export(proxies, layout), content_type=f"{layout.content_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{list_file_name(layout, count=count, seed=seed)}"'
    return response
