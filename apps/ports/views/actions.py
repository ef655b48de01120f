"""The Ports dashboard's actions. Each is a POST that makes one upstream write through a service.
Not wrapped in ATOMIC_REQUESTS: the upstream change cannot roll back, so the service's own
short transactions (mirror, audit) must not either when rendering the reply fails."""

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from apps.accounts.http import AuthenticatedHttpRequest
from apps.core.errors import ApplicationError
from apps.core.http import client_ip
from apps.core.ratelimit import rate_limit_allows
from apps.ports.errors import PortCooldownError
from apps.ports.forms import ActionForm, CredentialsForm, FingerprintForm, RotationSettingsForm
from apps.ports.services import (
    port_check,
    port_credentials_change,
    port_idempotency_key,
    port_os_fingerprint_set,
    port_password_reveal,
    port_rotate,
    port_rotation_link_create,
    port_rotation_link_revoke,
    port_rotation_settings_set,
)

from .common import own_port, port_page, wants_json

logger = logging.getLogger(__name__)

TOO_MANY = "Too many changes in a short time. Please wait a few minutes."
RELOAD = "This page was open too long. Reload it and try again."


def _back(port) -> HttpResponse:
    return redirect("ports:detail", port.pk)


def _key(form, action: str, port) -> str:
    return port_idempotency_key(action=action, port_id=port.pk, nonce=form.cleaned_data["op"])


def _fail(request: AuthenticatedHttpRequest, port, exc: ApplicationError, what: str) -> HttpResponse:
    logger.warning("port %s: %s failed: %s", port.pk, what, exc)
    messages.error(request, exc.message)
    return _back(port)


@transaction.non_atomic_requests
@never_cache
@login_required
@require_POST
def port_rotate_view(request: AuthenticatedHttpRequest, port_id: int) -> HttpResponse:
    port = own_port(request, port_id)
    form = ActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, RELOAD)
        return _back(port)
    if not rate_limit_allows(request, action="port_rotate"):
        messages.error(request, TOO_MANY)
        return _back(port)
    try:
        outcome = port_rotate(
            port=port, idempotency_key=_key(form, "rotate", port), actor=request.user, ip=client_ip(request)
        )
    except PortCooldownError as exc:
        messages.warning(request, exc.message)
        return _back(port)
    except ApplicationError as exc:
        return _fail(request, port, exc, "rotate")
    messages.success(request, outcome.message)
    return _back(port)


@transaction.non_atomic_requests
@never_cache
@login_required
@require_POST
def port_reveal_view(request: AuthenticatedHttpRequest, port_id: int) -> HttpResponse:
    """The password, through the audited reveal: JSON for the page's copy buttons, else the page
    (no-store) with every connection string in clear."""
    port = own_port(request, port_id)
    error, status, password = "", 200, None
    if not rate_limit_allows(request, action="port_reveal"):
        error, status = TOO_MANY, 429
    else:
        try:
            password = port_password_reveal(port=port, actor=request.user, ip=client_ip(request))
        except PermissionDenied:
            error, status = "Only the port's owner can see its password.", 403
        except ApplicationError as exc:
            logger.warning("port %s: reveal failed: %s", port.pk, exc)
            error, status = exc.message, 503
    if wants_json(request):
        return JsonResponse({"error": error} if error else {"password": password}, status=status)
    if error:
        messages.error(request, error)
        return _back(port)
    return port_page(request, port, password=password)


@transaction.non_atomic_requests
@never_cache
@login_required
@require_POST
def port_credentials_view(request: AuthenticatedHttpRequest, port_id: int) -> HttpResponse:
    port = own_port(request, port_id)
    form = CredentialsForm(request.POST)
    if not form.is_valid():
        return port_page(request, port, status=400, credentials_form=form)
    if not rate_limit_allows(request, action="port_change"):
        messages.error(request, TOO_MANY)
        return _back(port)
    try:
        port, password = port_credentials_change(
            port=port,
            login=form.cleaned_data["login"] or None,
            idempotency_key=_key(form, "credentials", port),
            actor=request.user,
            ip=client_ip(request),
            reason="customer changed the credentials from the dashboard",
        )
    except ApplicationError as exc:
        return _fail(request, port, exc, "credentials change")
    return port_page(request, port, password=password, just_changed=True)


@transaction.non_atomic_requests
@never_cache
@login_required
@require_POST
def port_rotation_settings_view(request: AuthenticatedHttpRequest, port_id: int) -> HttpResponse:
    port = own_port(request, port_id)
    form = RotationSettingsForm(request.POST)
    if not form.is_valid():
        return port_page(request, port, status=400, settings_form=form)
    if not rate_limit_allows(request, action="port_change"):
        messages.error(request, TOO_MANY)
        return _back(port)
    data = form.cleaned_data
    try:
        port_rotation_settings_set(
            port=port,
            enabled=data["enabled"],
            interval_seconds=data["interval_minutes"] * 60,
            match_carrier=data["match_carrier"],
            match_city=data["match_city"],
            idempotency_key=_key(form, "auto", port),
            actor=request.user,
            ip=client_ip(request),
        )
    except ApplicationError as exc:
        form.add_error("interval_minutes", exc.message)
        return port_page(request, port, status=400, settings_form=form)
    if data["enabled"]:
        messages.success(
            request, gettext("Automatic rotation is on: every %(value)s min.") % {"value": data["interval_minutes"]}
        )
    else:
        messages.success(request, gettext("Automatic rotation is off."))
    return _back(port)


@transaction.non_atomic_requests
@never_cache
@login_required
@require_POST
def port_fingerprint_view(request: AuthenticatedHttpRequest, port_id: int) -> HttpResponse:
    port = own_port(request, port_id)
    form = FingerprintForm(request.POST)
    if not form.is_valid():
        return port_page(request, port, status=400, fingerprint_form=form)
    if not rate_limit_allows(request, action="port_change"):
        messages.error(request, TOO_MANY)
        return _back(port)
    try:
        port_os_fingerprint_set(
            port=port,
            value=form.cleaned_data["os_fingerprint"],
            idempotency_key=_key(form, "fingerprint", port),
            actor=request.user,
            ip=client_ip(request),
        )
    except ApplicationError as exc:
        return _fail(request, port, exc, "fingerprint")
    messages.success(request, gettext("OS fingerprint saved."))
    return _back(port)


@transaction.non_atomic_requests
@never_cache
@login_required
@require_POST
def port_check_view(request: AuthenticatedHttpRequest, port_id: int) -> HttpResponse:
    """ "Test": status and a request through the port. JSON for the page's script."""
    port = own_port(request, port_id)
    payload: dict[str, object]
    if not rate_limit_allows(request, action="port_change"):
        payload, status = {"error": TOO_MANY}, 429
    else:
        try:
            check = port_check(port=port)
        except ApplicationError as exc:
            payload, status = {"error": exc.message}, 503
        else:
            payload = {"online": check.online, "ip": check.ip, "response_ms": check.response_ms}
            status = 200
    if wants_json(request):
        return JsonResponse(payload, status=status)
    if status != 200:
        messages.error(request, str(payload["error"]))
    elif payload["online"]:
        messages.success(
            request,
            gettext("Online: your public IP is %(value)s (%(value2)s ms).")
            % {"value": payload["ip"], "value2": payload["response_ms"]},
        )
    else:
        messages.warning(request, gettext("The port did not answer the test."))
    return _back(port)


@transaction.non_atomic_requests
@never_cache
@login_required
@require_POST
def port_link_create_view(request: AuthenticatedHttpRequest, port_id: int) -> HttpResponse:
    """A new rotation link, shown once on the page this returns (no-store, never in a URL)."""
    port = own_port(request, port_id)
    if not rate_limit_allows(request, action="port_change"):
        messages.error(request, TOO_MANY)
        return _back(port)
    try:
        new = port_rotation_link_create(port=port, actor=request.user, ip=client_ip(request))
    except ApplicationError as exc:
        return _fail(request, port, exc, "rotation link")
    url = request.build_absolute_uri(f"/r/{new.token}")
    return port_page(request, port, new_link_url=url)


@never_cache
@login_required
@require_POST
def port_link_revoke_view(request: AuthenticatedHttpRequest, port_id: int) -> HttpResponse:
    port = own_port(request, port_id)
    if port_rotation_link_revoke(port=port, actor=request.user, ip=client_ip(request)):
        messages.success(request, gettext("The rotation link no longer works."))
    return _back(port)
