"""A customer's actions on one of their keys: rename, move GB to a new key, alert levels, delete,
and their usage as CSV. Each POST redirects back to the key's dashboard (no re-post on reload)
with a message; someone else's key is a 404 (`own_key`)."""

import csv
import io
import logging
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.http import AuthenticatedHttpRequest
from apps.core.errors import ApplicationError, NotFound, RetryableError
from apps.core.ratelimit import rate_limit_allows, rate_limited_response
from apps.proxies.dashboard.keys import key_page_url
from apps.proxies.forms import KeyAlertsForm, KeyDeleteForm, KeyMoveForm, KeyRenameForm
from apps.proxies.models import PoolKeyTransfer
from apps.proxies.selectors import pool_key_list_for_customer
from apps.proxies.selectors_keys import pool_key_delete_refusal, pool_key_display_name
from apps.proxies.selectors_usage import usage_csv_rows, usage_csv_rows_for_key
from apps.proxies.services import (
    pool_key_alert_levels_set,
    pool_key_customer_delete,
    pool_key_customer_rename,
    pool_key_transfer_start,
)
from apps.proxies.services.transfers import UNDER_WAY
from apps.proxies.upstream.errors import UpstreamError

from .common import own_key

logger = logging.getLogger(__name__)

TOO_MANY = "You changed your keys many times in a short time. Please wait a few minutes, then try again."
UNAVAILABLE = "We can't reach the proxy network right now; nothing was changed. Please try again in a minute."
EXPORT_DAYS = 90
MAX_EXPORT_DAYS = 366


def _form_errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors) or "Please check the form."


def _back(key_id: int, anchor: str = "key-actions"):
    return redirect(f"{key_page_url(key_id)}#{anchor}")


@transaction.non_atomic_requests  # the upstream write cannot roll back; the services keep their own
@never_cache
@login_required
@require_POST
def key_rename(request: AuthenticatedHttpRequest, key_id: int) -> HttpResponse:
    key = own_key(request, key_id)
    form = KeyRenameForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return _back(key.pk)
    if not rate_limit_allows(request, action="key_actions"):
        return rate_limited_response(request, message=TOO_MANY)
    try:
        pool_key_customer_rename(
            key=key, label=form.cleaned_data["label"], nonce=form.cleaned_data["op"], actor=request.user
        )
    except NotFound:
        raise
    except (UpstreamError, RetryableError) as exc:
        logger.warning("rename of key %s failed: %s", key.pk, exc)
        messages.error(request, UNAVAILABLE)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            gettext("Key renamed to “%(pool_key_display_name)s”.")
            % {"pool_key_display_name": pool_key_display_name(key)},
        )
    return _back(key.pk)


@transaction.non_atomic_requests
@never_cache
@login_required
@require_POST
def key_move(request: AuthenticatedHttpRequest, key_id: int) -> HttpResponse:
    """Moves GB from this key to a new key (services/transfers.py): shows the new key when the
    move finished, else says it is under way (the reconciler finishes it)."""
    key = own_key(request, key_id)
    form = KeyMoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return _back(key.pk)
    if not rate_limit_allows(request, action="key_actions"):
        return rate_limited_response(request, message=TOO_MANY)
    data = form.cleaned_data
    try:
        transfer = pool_key_transfer_start(
            source=key, gb=data["gb"], label=data["label"], nonce=data["op"], actor=request.user
        )
    except NotFound:
        raise
    except RetryableError as exc:
        logger.warning("move from key %s not started: %s", key.pk, exc)
        messages.error(request, UNAVAILABLE)
        return _back(key.pk)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _back(key.pk)
    if transfer.state == PoolKeyTransfer.State.DONE and transfer.target_id:
        messages.success(
            request,
            gettext("Moved %(normalize)s GB to your new key “%(label)s”.")
            % {"normalize": format(transfer.gb.normalize(), "f"), "label": transfer.label},
        )
        return redirect(key_page_url(transfer.target_id))
    if transfer.state == PoolKeyTransfer.State.FAILED:
        messages.error(request, gettext("The move could not be made; our team has been told and will sort it out."))
    else:
        messages.info(request, UNDER_WAY)
    return _back(key.pk)


@never_cache
@login_required
@require_POST
def key_alerts(request: AuthenticatedHttpRequest, key_id: int) -> HttpResponse:
    key = own_key(request, key_id)
    form = KeyAlertsForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return _back(key.pk)
    try:
        pool_key_alert_levels_set(
            key=key,
            warn_percent=form.cleaned_data["warn_percent"],
            full_percent=form.cleaned_data["full_percent"],
            actor=request.user,
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            gettext("We'll email you at %(alert_warn_percent)s %% and %(alert_full_percent)s %% of this key's traffic.")
            % {"alert_warn_percent": key.alert_warn_percent, "alert_full_percent": key.alert_full_percent},
        )
    return _back(key.pk)


@transaction.non_atomic_requests
@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def key_delete(request: AuthenticatedHttpRequest, key_id: int) -> HttpResponse:
    """GET: the confirmation step (or why the key can't go). POST: deleted upstream and here."""
    key = own_key(request, key_id)
    refusal = pool_key_delete_refusal(key)
    form = KeyDeleteForm(request.POST if request.method == "POST" else None)
    context = {"key": key, "form": form, "refusal": refusal, "name": pool_key_display_name(key)}
    if request.method == "GET" or refusal or not form.is_valid():
        return render(
            request, "proxies/key_delete_confirm.html", context, status=200 if request.method == "GET" else 400
        )
    if not rate_limit_allows(request, action="key_actions"):
        return rate_limited_response(request, message=TOO_MANY)
    try:
        pool_key_customer_delete(key=key, actor=request.user)
    except (UpstreamError, RetryableError) as exc:
        logger.warning("delete of key %s failed: %s", key.pk, exc)
        messages.error(request, UNAVAILABLE)
        return _back(key.pk)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return _back(key.pk)
    messages.success(request, gettext("Key “%(value)s” deleted.") % {"value": context["name"]})
    return redirect("proxies:dashboard")


@never_cache
@login_required
@require_GET
def usage_csv(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The customer's daily usage as CSV: `?key=<id>` (one key) or `?key=all`; `days` back
    (default 90, at most 366)."""
    try:
        days = int(request.GET.get("days") or EXPORT_DAYS)
    except ValueError:
        days = EXPORT_DAYS
    days = min(max(days, 1), MAX_EXPORT_DAYS)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    today = timezone.now().date()
    which = request.GET.get("key") or "all"
    if which == "all":
        keys = pool_key_list_for_customer(customer=request.user)
        writer.writerows(usage_csv_rows(keys=keys, start=today - timedelta(days=days - 1), end=today))
        name = f"usage-all-keys-{days}d-{today}.csv"
    else:
        key = own_key(request, which)
        writer.writerows(usage_csv_rows_for_key(key=key, days=days, today=today))
        name = f"usage-key-{key.pk}-{days}d-{today}.csv"
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
