"""Dedicated ports: list, read, rotate, rotation settings, rotation history, OS fingerprint and
new credentials. Thin views over the same ports services and selectors as the Ports dashboard,
counted against the dashboard's limits (rotations and changes per customer)."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypedDict

from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from apps.accounts.models import ApiKeyScope
from apps.core.errors import ApplicationError
from apps.core.http import client_ip
from apps.core.ratelimit import rate_limit_allows_for, rate_limit_window_seconds
from apps.ports.errors import PortCooldownError, PortNotUsable
from apps.ports.models import Port
from apps.ports.selectors import port_get_for_customer, port_list_for_customer, port_rotations_queryset
from apps.ports.services import (
    port_credentials_change,
    port_idempotency_key,
    port_os_fingerprint_set,
    port_refresh_if_stale,
    port_rotate,
    port_rotation_settings_set,
)
from apps.ports.upstream.records import AUTO_ROTATION_BOUNDS

from ..errors import Conflict, InvalidRequest, TooManyRequests
from ..examples import PORT_EXAMPLE
from ..pagination import PAGE_QUERY, ApiCursorPagination
from ..schema import error_responses
from ..serializers.ports import (
    CredentialsChangeSerializer,
    FingerprintUpdateSerializer,
    NewCredentialsSerializer,
    PortSerializer,
    RotateResultSerializer,
    RotationSerializer,
    RotationSettingsSerializer,
    RotationSettingsUpdateSerializer,
)
from ..services import IDEMPOTENCY_KEY_PATTERN, IDEMPOTENCY_KEY_SCHEMA
from .base import ApiView, unavailable

PORTS_WRITE = (ApiKeyScope.PORTS_WRITE.value,)
PORT_ID = OpenApiParameter("port_id", int, OpenApiParameter.PATH, description="A port's id (GET /ports).")
IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key", IDEMPOTENCY_KEY_SCHEMA, OpenApiParameter.HEADER, required=False
)
TOO_MANY_ROTATIONS = "Too many rotations in a short time (the dashboard's limit applies too)."
TOO_MANY_CHANGES = "Too many changes in a short time (the dashboard's limit applies too)."


class RotationPagination(ApiCursorPagination):
    ordering = ("-rotated_at", "-id")


def own_port(view: ApiView, port_id) -> Port:
    """The caller's port; anyone else's is NotFound, answered 404 like a missing one."""
    return port_get_for_customer(customer=view.customer, port_id=port_id)


def nonce_from(request) -> str:
    """The Idempotency-Key header (a retry with it replays the first upstream write), else new."""
    nonce = request.headers.get("Idempotency-Key")
    if nonce is None:
        return uuid.uuid4().hex
    if not IDEMPOTENCY_KEY_PATTERN.fullmatch(nonce):
        raise InvalidRequest(
            gettext("Idempotency-Key must be 1 to 255 printable ASCII characters."),
            code="invalid_idempotency_key",
            param="Idempotency-Key",
        )
    return f"api-{nonce}"


def allow_or_429(view: ApiView, action: str, message: str) -> None:
    if not rate_limit_allows_for(action=action, user_id=view.customer.pk, ip=client_ip(view.request._request)):
        raise TooManyRequests(message, wait=rate_limit_window_seconds(action=action), code="rate_limited")


def port_write_failed(exc: ApplicationError, port: Port, what: str) -> Exception:
    """A ports error as the API answers it: the cooldown is a 429 with the seconds left, a port
    that is not active a 409, anything else from the network a 503."""
    if isinstance(exc, PortCooldownError):
        return TooManyRequests(exc.message, wait=max(1, exc.remaining), code="rotation_cooldown")
    if isinstance(exc, PortNotUsable):
        return Conflict(exc.message, code="port_not_usable")
    return unavailable(exc, f"{what} of port {port.pk}")


class WriteArgs(TypedDict):
    idempotency_key: str
    actor: Any
    ip: str | None


@contextmanager
def port_write(view: ApiView, port: Port, *, action: str, what: str, limit: tuple[str, str]) -> Iterator[WriteArgs]:
    """Every write to a port from the API: the Idempotency-Key read (or a new one), the rate limit
    (429), then the service called with the arguments yielded here, its errors answered by
    port_write_failed."""
    nonce = nonce_from(view.request)
    allow_or_429(view, *limit)
    try:
        yield WriteArgs(
            idempotency_key=port_idempotency_key(action=action, port_id=port.pk, nonce=nonce),
            actor=view.customer,
            ip=client_ip(view.request._request),
        )
    except ApplicationError as exc:
        raise port_write_failed(exc, port, what) from exc


ROTATIONS = ("port_rotate", TOO_MANY_ROTATIONS)
CHANGES = ("port_change", TOO_MANY_CHANGES)


class PortListView(ApiView):
    query_parameters = {"GET": PAGE_QUERY}
    serializer_class = PortSerializer

    @extend_schema(
        operation_id="ports_list",
        summary="List your dedicated ports",
        description="From the shop's mirror (kept fresh by the sync job), newest first, released ones included.",
        responses={200: PortSerializer(many=True), **error_responses(400)},
    )
    def get(self, request):
        page = self.paginate_queryset(port_list_for_customer(customer=self.customer))
        return self.get_paginated_response(PortSerializer(page, many=True).data)


class PortDetailView(ApiView):
    serializer_class = PortSerializer

    @extend_schema(
        operation_id="ports_retrieve",
        summary="Get a dedicated port",
        description="Refreshed from the network when the mirror is older than a few seconds (automatic "
        "rotations happen there).",
        parameters=[PORT_ID],
        responses={200: PortSerializer, **error_responses(404)},
        examples=[PORT_EXAMPLE],
    )
    def get(self, request, port_id: int):
        port = own_port(self, port_id)
        port_refresh_if_stale(port=port)
        return Response(PortSerializer(port).data)


class PortRotateView(ApiView):
    required_scopes = {"POST": PORTS_WRITE}

    @extend_schema(
        operation_id="ports_rotate",
        summary="Rotate a port's IP now",
        description="A shared port rotates at most every 5 minutes, a private one every minute: inside the "
        "cooldown the answer is 429 `rotation_cooldown` with Retry-After in seconds. With an `Idempotency-Key` "
        "a retry replays the first rotation instead of rotating twice.",
        parameters=[PORT_ID, IDEMPOTENCY_HEADER],
        request=None,
        responses={200: RotateResultSerializer, **error_responses(404, 409, 503)},
    )
    def post(self, request, port_id: int):
        port = own_port(self, port_id)
        with port_write(self, port, action="rotate", what="rotate", limit=ROTATIONS) as write:
            outcome = port_rotate(
                port=port,
                reason="customer rotated the port through the API",
                check_first="Idempotency-Key" not in request.headers,
                **write,
            )
        return Response(
            RotateResultSerializer(
                {"old_ip": outcome.old_ip, "new_ip": outcome.new_ip, "message": outcome.message}
            ).data
        )


class PortRotationSettingsView(ApiView):
    required_scopes = {"GET": ("read",), "PATCH": PORTS_WRITE}

    @extend_schema(
        operation_id="ports_rotation_settings_retrieve",
        summary="A port's automatic rotation",
        parameters=[PORT_ID],
        responses={200: RotationSettingsSerializer, **error_responses(404)},
    )
    def get(self, request, port_id: int):
        return Response(RotationSettingsSerializer(own_port(self, port_id)).data)

    @extend_schema(
        operation_id="ports_rotation_settings_update",
        summary="Change a port's automatic rotation",
        description="Send only what changes. The interval is 300-86400 s for a shared port, 60-86400 s for a "
        "private one.",
        parameters=[PORT_ID, IDEMPOTENCY_HEADER],
        request=RotationSettingsUpdateSerializer,
        responses={200: RotationSettingsSerializer, **error_responses(400, 404, 409, 415, 503)},
    )
    def patch(self, request, port_id: int):
        port = own_port(self, port_id)
        body = RotationSettingsUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        low, high = AUTO_ROTATION_BOUNDS[port.sharing]
        interval = data.get("interval_seconds", port.auto_rotation_seconds or low)
        if not low <= interval <= high:
            raise InvalidRequest(
                gettext("The interval for a %(sharing)s port is %(low)s to %(high)s seconds.")
                % {"sharing": port.sharing, "low": low, "high": high},
                code="invalid_interval",
                param="interval_seconds",
            )
        with port_write(self, port, action="auto", what="rotation settings", limit=CHANGES) as write:
            port = port_rotation_settings_set(
                port=port,
                enabled=data.get("enabled", port.auto_rotation_enabled),
                interval_seconds=interval,
                match_carrier=data.get("match_carrier", port.match_carrier),
                match_city=data.get("match_city", port.match_city),
                **write,
            )
        return Response(RotationSettingsSerializer(port).data)


class PortRotationListView(ApiView):
    query_parameters = {"GET": PAGE_QUERY}
    serializer_class = RotationSerializer
    pagination_class = RotationPagination

    @extend_schema(
        operation_id="ports_rotations_list",
        summary="A port's rotation history",
        description="Newest first: manual, automatic and through your rotation link (`api_token`).",
        parameters=[PORT_ID],
        responses={200: RotationSerializer(many=True), **error_responses(400, 404)},
    )
    def get(self, request, port_id: int):
        port = own_port(self, port_id)
        port_refresh_if_stale(port=port)
        page = self.paginate_queryset(port_rotations_queryset(port=port))
        return self.get_paginated_response(RotationSerializer(page, many=True).data)


class PortFingerprintView(ApiView):
    required_scopes = {"PATCH": PORTS_WRITE}

    @extend_schema(
        operation_id="ports_os_fingerprint_update",
        summary="Set a port's OS fingerprint",
        parameters=[PORT_ID, IDEMPOTENCY_HEADER],
        request=FingerprintUpdateSerializer,
        responses={200: PortSerializer, **error_responses(400, 404, 409, 415, 503)},
    )
    def patch(self, request, port_id: int):
        port = own_port(self, port_id)
        body = FingerprintUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        if "os_fingerprint" not in body.validated_data:
            return Response(PortSerializer(port).data)
        with port_write(self, port, action="fingerprint", what="OS fingerprint", limit=CHANGES) as write:
            port = port_os_fingerprint_set(port=port, value=body.validated_data["os_fingerprint"], **write)
        return Response(PortSerializer(port).data)


class PortCredentialsView(ApiView):
    required_scopes = {"POST": PORTS_WRITE}

    @extend_schema(
        operation_id="ports_credentials_create",
        summary="Give a port new credentials",
        description="The old password stops working at once. The new one is in this answer only (reveal it "
        "again on the dashboard). With an `Idempotency-Key`, a retry gets the same new password.",
        parameters=[PORT_ID, IDEMPOTENCY_HEADER],
        request=CredentialsChangeSerializer,
        responses={200: NewCredentialsSerializer, **error_responses(400, 404, 409, 415, 503)},
    )
    def post(self, request, port_id: int):
        port = own_port(self, port_id)
        body = CredentialsChangeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        with port_write(self, port, action="credentials", what="credentials change", limit=CHANGES) as write:
            port, password = port_credentials_change(
                port=port,
                login=body.validated_data.get("login"),
                password=body.validated_data.get("password"),
                reason="customer changed the credentials through the API",
                **write,
            )
        return Response(NewCredentialsSerializer({"port": port, "password": password}).data)
