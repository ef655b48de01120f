"""Orders: list, read, and start a purchase (the checkout link to open in a browser)."""

from django.http import Http404
from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response

from apps.accounts.models import ApiKeyScope
from apps.billing.errors import CheckoutRefused
from apps.billing.selectors import order_get_for_customer, order_list_for_customer, plan_get_active
from apps.billing.services import checkout_start
from apps.core.errors import ApplicationError, NotFound

from ..errors import NotFoundError, ServiceUnavailable, Unprocessable
from ..examples import ORDER_CREATED
from ..pagination import PAGE_QUERY
from ..schema import error_responses
from ..serializers.orders import OrderCreateSerializer, OrderSerializer
from ..services import (
    IDEMPOTENCY_KEY_SCHEMA,
    idempotency_claim,
    idempotency_complete,
    idempotency_release,
    idempotency_request_hash,
)
from .base import ApiView
from .keys import own_key

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    IDEMPOTENCY_KEY_SCHEMA,
    OpenApiParameter.HEADER,
    required=False,
    description="Any unique string (e.g. a UUID). A retry with the same key and body replays the first answer "
    "(header Idempotent-Replayed: true) instead of starting a second purchase; another body is refused (422).",
)


class OrderListView(ApiView):
    query_parameters = {"GET": PAGE_QUERY}
    serializer_class = OrderSerializer
    required_scopes = {"GET": ("read",), "POST": (ApiKeyScope.ORDERS_WRITE.value,)}

    @extend_schema(
        operation_id="orders_list",
        summary="Your orders, newest first",
        responses={200: OrderSerializer(many=True), **error_responses(400)},
    )
    def get(self, request):
        page = self.paginate_queryset(order_list_for_customer(customer=self.customer))
        return self.get_paginated_response(OrderSerializer(page, many=True, context={"request": request}).data)

    @extend_schema(
        operation_id="orders_create",
        summary="Start a purchase",
        description="Creates a pending order for a plan and returns its `checkout_url`: open it in a browser to "
        "pay. `target` says where the purchase goes: one of your keys (a top-up), `new` (a new key), or nothing "
        "(your latest key, or your first key is created). A key that can't take traffic now (disabled by the shop, "
        "deleted) or a new key past your limit is refused with 422 `target_refused`, before any order exists.",
        parameters=[IDEMPOTENCY_HEADER],
        request=OrderCreateSerializer,
        responses={201: OrderSerializer, **error_responses(400, 404, 409, 415, 422, 503)},
        examples=[
            OpenApiExample("Buy the starter plan", request_only=True, value={"plan": "starter"}),
            OpenApiExample("Buy a second key", request_only=True, value={"plan": "starter", "target": "new"}),
            ORDER_CREATED,
        ],
    )
    def post(self, request):
        body = OrderCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        idempotency_key = request.headers.get("Idempotency-Key")
        if idempotency_key is None:
            return self._start(body.validated_data)
        claim = idempotency_claim(
            customer=self.customer,
            key=idempotency_key,
            request_hash=idempotency_request_hash(method="POST", path=request.path, body=request.data),
        )
        if claim.replay:
            return Response(
                claim.record.response_body, status=claim.record.status_code, headers={"Idempotent-Replayed": "true"}
            )
        try:
            response = self._start(body.validated_data)
        except BaseException:
            idempotency_release(record=claim.record)
            raise
        idempotency_complete(record=claim.record, status_code=response.status_code, body=response.data)
        return response

    def _start(self, data: dict) -> Response:
        try:
            plan = plan_get_active(slug=data["plan"])
        except (Http404, NotFound):
            raise NotFoundError(gettext("No plan with this slug is for sale."), param="plan") from None
        target, param = data.get("target"), "target"
        if target is None and data.get("key_id") is not None:
            own_key(self, data["key_id"])  # another customer's key: 404, as everywhere
            target, param = str(data["key_id"]), "key_id"
        try:
            start = checkout_start(customer=self.customer, plan=plan, target_ref=target or "")
        except CheckoutRefused as exc:
            raise Unprocessable(exc.message, code="target_refused", param=param) from exc
        except ApplicationError as exc:
            raise ServiceUnavailable(exc.message, code="payment_provider_unavailable") from exc
        order = start.order
        data = OrderSerializer(order, context={"request": self.request}).data
        data["checkout_url"] = self.request.build_absolute_uri(start.url)
        return Response(data, status=status.HTTP_201_CREATED)


class OrderDetailView(ApiView):
    serializer_class = OrderSerializer

    @extend_schema(
        operation_id="orders_retrieve",
        summary="Get an order",
        parameters=[OpenApiParameter("order_id", str, OpenApiParameter.PATH, description="The order's id (a UUID).")],
        responses={200: OrderSerializer, **error_responses(404)},
    )
    def get(self, request, order_id: str):
        order = order_get_for_customer(customer=self.customer, public_id=order_id)
        return Response(OrderSerializer(order, context={"request": request}).data)
