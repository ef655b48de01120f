"""The x402 endpoints (docs/x402.md): buy a pool key, top one up, poll an order. JSON in and out;
outside ATOMIC_REQUESTS, since a settled payment must stay recorded whatever happens next."""

import json
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from apps.accounts.errors import ApiKeyDenied
from apps.accounts.services import api_key_authenticate
from apps.billing.providers.x402 import protocol
from apps.core.errors import ApplicationError, NotFound
from apps.core.http import client_ip
from apps.proxies.selectors import pool_key_get_for_customer

from .models import X402Purchase
from .selectors import x402_purchase_for_order, x402_quote
from .services import Answer, PaidRequest, order_view, x402_request_handle

EXPOSED = ", ".join([protocol.PAYMENT_REQUIRED_HEADER, protocol.PAYMENT_RESPONSE_HEADER])


def _json(answer: Answer) -> JsonResponse:
    response = JsonResponse(answer.body, status=answer.status)
    for name, value in answer.headers.items():
        response[name] = value
    response["Access-Control-Expose-Headers"] = EXPOSED
    response["Cache-Control"] = "private, no-store"
    return response


def _error(status: int, code: str, detail: str, **extra) -> JsonResponse:
    return _json(Answer(status, {"error": code, "detail": detail, **extra}))


def _params(request: HttpRequest) -> dict[str, object]:
    """gb and days from the query string, or from a JSON body on POST."""
    params: dict[str, object] = {k: request.GET.get(k) for k in ("gb", "days") if request.GET.get(k) not in (None, "")}
    if request.method == "POST" and request.body:
        try:
            body = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            raise ApplicationError(gettext('The body must be JSON, e.g. {"gb": 5, "days": 30}.')) from None
        if not isinstance(body, dict):
            raise ApplicationError(gettext("The body must be a JSON object."))
        params.update({k: body[k] for k in ("gb", "days") if body.get(k) not in (None, "")})
    if "gb" not in params:
        raise ApplicationError(gettext("Say how much traffic: gb=<GB>."), extra={"field": "gb"})
    if isinstance(params.get("gb"), float):
        params["gb"] = Decimal(str(params["gb"]))
    return params


def _payment_header(request: HttpRequest) -> str:
    return (
        request.headers.get(protocol.PAYMENT_SIGNATURE_HEADER) or request.headers.get(protocol.X_PAYMENT_HEADER) or ""
    )


def _poll_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("agents:order", args=["00000000-0000-0000-0000-000000000000"])).replace(
        "00000000-0000-0000-0000-000000000000", "{id}"
    )


def _enabled() -> JsonResponse | None:
    if not settings.X402_ENABLED:
        return _error(404, "not_found", "This shop does not sell over x402.")
    return None


@csrf_exempt
@transaction.non_atomic_requests
@require_http_methods(["GET", "POST"])
def pool_keys(request: HttpRequest) -> JsonResponse:
    """Buy a pool key: 402 with the requirements, or, with a payment, the key."""
    if (off := _enabled()) is not None:
        return off
    try:
        params = _params(request)
        quote = x402_quote(gb=params["gb"], days=params.get("days"))
    except ApplicationError as exc:
        return _error(400, "invalid_request", exc.message, **exc.extra)
    paid = PaidRequest(
        quote=quote, url=request.build_absolute_uri(), header=_payment_header(request), poll_url=_poll_url(request)
    )
    return _json(x402_request_handle(request=paid))


@csrf_exempt
@transaction.non_atomic_requests
@require_POST
def pool_key_topup(request: HttpRequest, key_id: int) -> JsonResponse:
    """Top up one of the token holder's keys, paid the same way."""
    if (off := _enabled()) is not None:
        return off
    token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not token:
        return _error(401, "authentication_required", "Send the management token: Authorization: Bearer sfk_…")
    try:
        api_key = api_key_authenticate(raw_key=token, ip=client_ip(request))
        key = pool_key_get_for_customer(customer=api_key.customer, key_id=key_id)
        params = _params(request)
        quote = x402_quote(gb=params["gb"], days=params.get("days"), top_up=True)
    except ApiKeyDenied as exc:
        return _error(exc.status, exc.code, exc.message)
    except NotFound:
        return _error(404, "not_found", "No such pool key.")
    except ApplicationError as exc:
        return _error(400, "invalid_request", exc.message, **exc.extra)
    paid = PaidRequest(
        quote=quote,
        url=request.build_absolute_uri(),
        header=_payment_header(request),
        kind=X402Purchase.Kind.TOP_UP,
        customer=api_key.customer,
        key_id=key.pk,
        poll_url=_poll_url(request),
    )
    return _json(x402_request_handle(request=paid))


@require_GET
def order(request: HttpRequest, order_id: str) -> JsonResponse:
    """An x402 order's status (no secrets: send the same payment again for the key)."""
    if (off := _enabled()) is not None:
        return off
    try:
        purchase = x402_purchase_for_order(order_id=order_id)
    except NotFound:
        return _error(404, "not_found", "No such order.")
    return _json(Answer(200, {"order": order_view(purchase, _poll_url(request))}))
