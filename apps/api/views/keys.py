"""Proxy keys: list, read, relabel, reveal, regenerate, daily usage."""

import csv
import io
import uuid
from datetime import timedelta
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from apps.accounts.models import ApiKeyScope
from apps.core.http import client_ip
from apps.core.ratelimit import rate_limit_allows_for, rate_limit_window_seconds
from apps.proxies.models import PoolKey
from apps.proxies.selectors import pool_key_get_for_customer, pool_key_list_for_customer
from apps.proxies.selectors_usage import usage_csv_rows_for_key, usage_daily_for_key
from apps.proxies.services import idempotency_key_for, pool_key_regenerate, pool_key_relabel, pool_key_reveal

from ..errors import InvalidRequest, TooManyRequests
from ..examples import KEY_EXAMPLE, USAGE
from ..pagination import PAGE_QUERY
from ..schema import error_responses
from ..serializers.keys import (
    MAX_USAGE_DAYS,
    KeySerializer,
    KeyUpdateSerializer,
    RegeneratedSerializer,
    SecretSerializer,
    UsageQuerySerializer,
    UsageSerializer,
    key_row,
)
from ..services import IDEMPOTENCY_KEY_PATTERN, IDEMPOTENCY_KEY_SCHEMA
from .base import UPSTREAM_ERRORS, ApiView, unavailable

DAY_SCHEMA = {"type": "string", "format": "date", "pattern": r"^2\d{3}-\d{2}-\d{2}$"}
TOO_MANY_REVEALS = "Too many reveals in a short time (the dashboard's limit applies too)."
TOO_MANY_REGENERATIONS = "Too many regenerations in a short time (the dashboard's limit applies too)."
KEYS_WRITE = (ApiKeyScope.KEYS_WRITE.value,)
KEY_ID = OpenApiParameter("key_id", int, OpenApiParameter.PATH, description="A key's id (GET /keys).")


def own_key(view: ApiView, key_id) -> PoolKey:
    """The caller's key; anyone else's raises DoesNotExist, answered 404 like a missing one."""
    return pool_key_get_for_customer(customer=view.customer, key_id=key_id)


def reveal_or_429(view: ApiView, key: PoolKey) -> str:
    """The secret through the dashboard's audited reveal, counted against the same limit."""
    ip = client_ip(view.request._request)
    if not rate_limit_allows_for(action="key_reveal", user_id=view.customer.pk, ip=ip):
        wait = rate_limit_window_seconds(action="key_reveal")
        raise TooManyRequests(TOO_MANY_REVEALS, wait=wait, code="reveal_rate_limited")
    try:
        return pool_key_reveal(key=key, actor=view.customer, ip=ip)
    except UPSTREAM_ERRORS as exc:
        raise unavailable(exc, f"reveal of key {key.pk}") from exc


class KeyListView(ApiView):
    query_parameters = {"GET": PAGE_QUERY}
    serializer_class = KeySerializer

    @extend_schema(
        operation_id="keys_list",
        summary="List your proxy keys",
        responses={200: KeySerializer(many=True), **error_responses(400)},
    )
    def get(self, request):
        page = self.paginate_queryset(pool_key_list_for_customer(customer=self.customer))
        return self.get_paginated_response(KeySerializer([key_row(key) for key in page], many=True).data)


class KeyDetailView(ApiView):
    serializer_class = KeySerializer
    required_scopes = {"GET": ("read",), "PATCH": KEYS_WRITE}

    @extend_schema(
        operation_id="keys_retrieve",
        summary="Get a proxy key",
        parameters=[KEY_ID],
        responses={200: KeySerializer, **error_responses(404)},
        examples=[KEY_EXAMPLE],
    )
    def get(self, request, key_id: int):
        return Response(KeySerializer(key_row(own_key(self, key_id))).data)

    @extend_schema(
        operation_id="keys_update",
        summary="Rename a proxy key",
        parameters=[KEY_ID],
        request=KeyUpdateSerializer,
        responses={200: KeySerializer, **error_responses(400, 404, 415, 503)},
    )
    def patch(self, request, key_id: int):
        key = own_key(self, key_id)
        body = KeyUpdateSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        if "label" not in body.validated_data:
            return Response(KeySerializer(key_row(key)).data)
        try:
            key = pool_key_relabel(
                key=key,
                label=body.validated_data["label"],
                idempotency_key=idempotency_key_for(action="label", obj_ref=f"pk{key.pk}", nonce=uuid.uuid4().hex),
                actor=self.customer,
                reason="customer renamed the key through the API",
            )
        except UPSTREAM_ERRORS as exc:
            raise unavailable(exc, f"relabel of key {key.pk}") from exc
        return Response(KeySerializer(key_row(key)).data)


class KeyRevealView(ApiView):
    required_scopes = {"POST": KEYS_WRITE}

    @extend_schema(
        operation_id="keys_reveal",
        summary="Reveal a key's secret",
        description="Reads the secret through the network's audited reveal. Counts against the same limit as "
        "the dashboard's Reveal button (30 per 10 minutes).",
        parameters=[KEY_ID],
        request=None,
        responses={200: SecretSerializer, **error_responses(404, 503)},
    )
    def post(self, request, key_id: int):
        key = own_key(self, key_id)
        return Response({"secret": reveal_or_429(self, key)})


class KeyRegenerateView(ApiView):
    required_scopes = {"POST": KEYS_WRITE}

    @extend_schema(
        operation_id="keys_regenerate",
        summary="Regenerate a key's secret",
        description="A new secret; the old one stops working at once. Send an `Idempotency-Key` header to make "
        "a retry return the same new secret instead of rotating twice.",
        parameters=[
            KEY_ID,
            OpenApiParameter("Idempotency-Key", IDEMPOTENCY_KEY_SCHEMA, OpenApiParameter.HEADER, required=False),
        ],
        request=None,
        responses={200: RegeneratedSerializer, **error_responses(400, 404, 429, 503)},
    )
    def post(self, request, key_id: int):
        key = own_key(self, key_id)
        nonce = request.headers.get("Idempotency-Key")
        if nonce is not None and not IDEMPOTENCY_KEY_PATTERN.fullmatch(nonce):
            raise InvalidRequest(
                gettext("Idempotency-Key must be 1 to 255 printable ASCII characters."),
                code="invalid_idempotency_key",
                param="Idempotency-Key",
            )
        if not rate_limit_allows_for(action="key_regenerate", user_id=self.customer.pk, ip=client_ip(request._request)):
            wait = rate_limit_window_seconds(action="key_regenerate")
            raise TooManyRequests(TOO_MANY_REGENERATIONS, wait=wait, code="regenerate_rate_limited")
        try:
            key, secret = pool_key_regenerate(
                key=key,
                idempotency_key=idempotency_key_for(
                    action="regen", obj_ref=f"api-pk{key.pk}", nonce=nonce or uuid.uuid4().hex
                ),
                actor=self.customer,
                reason="customer regenerated the secret through the API",
                ip=client_ip(request._request),
            )
        except UPSTREAM_ERRORS as exc:
            raise unavailable(exc, f"regenerate of key {key.pk}") from exc
        return Response({"key": KeySerializer(key_row(key)).data, "secret": secret})


class KeyUsageView(ApiView):
    query_parameters = {"GET": ("from", "to", "format")}

    @extend_schema(
        operation_id="keys_usage",
        summary="Daily traffic of a key",
        description=f"One entry per UTC day from `from` to `to` (at most {MAX_USAGE_DAYS} days); `format=csv` "
        "answers the same series as CSV.",
        parameters=[
            KEY_ID,
            OpenApiParameter("from", DAY_SCHEMA, description="First day (UTC); default 29 days before `to`."),
            OpenApiParameter("to", DAY_SCHEMA, description="Last day (UTC); default today."),
            OpenApiParameter("format", str, enum=["json", "csv"], description="Default json."),
        ],
        responses={
            (200, "application/json"): UsageSerializer,
            (200, "text/csv"): OpenApiTypes.STR,
            **error_responses(400, 404),
        },
        examples=[USAGE],
    )
    def get(self, request, key_id: int):
        key = own_key(self, key_id)
        query = UsageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        end = query.validated_data.get("to") or timezone.now().date()
        start = query.validated_data.get("from") or end - timedelta(days=29)
        days = (end - start).days + 1
        if days < 1:
            raise InvalidRequest(gettext("`from` must not be after `to`."), code="invalid_range", param="from")
        if days > MAX_USAGE_DAYS:
            raise InvalidRequest(
                gettext("At most %(MAX_USAGE_DAYS)s days at a time.") % {"MAX_USAGE_DAYS": MAX_USAGE_DAYS},
                code="invalid_range",
                param="from",
            )
        if query.validated_data["format"] == "csv":
            out = io.StringIO()
            csv.writer(out, lineterminator="\n").writerows(usage_csv_rows_for_key(key=key, days=days, today=end))
            response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="usage-{key.pk}-{start}-{end}.csv"'
            return response
        series = usage_daily_for_key(key=key, days=days, today=end)
        total = sum((entry.used_gb for entry in series), start=Decimal(0))
        data = {"key_id": key.pk, "start": start, "end": end, "total_gb": total, "days": series}
        return Response(UsageSerializer(data).data)
