"""API v1: webhook endpoints and their deliveries (thin views over services and selectors)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response

from apps.accounts.models import ApiKeyScope
from apps.api.errors import InvalidRequest, Unprocessable
from apps.api.pagination import PAGE_QUERY
from apps.api.schema import error_responses
from apps.api.views.base import ApiView
from apps.core.errors import ApplicationError

from .selectors import (
    webhook_delivery_get_for_customer,
    webhook_delivery_list_for_endpoint,
    webhook_endpoint_get_for_customer,
    webhook_endpoint_list_for_customer,
)
from .serializers import (
    WebhookDeliverySerializer,
    WebhookEndpointCreatedSerializer,
    WebhookEndpointSerializer,
    WebhookEndpointUpdateSerializer,
    WebhookEndpointWriteSerializer,
    WebhookSecretSerializer,
    WebhookTestSerializer,
)
from .services import (
    WebhookLimitReached,
    webhook_delivery_redeliver,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_test,
    webhook_endpoint_update,
)
from .targets import TargetRefused

WRITE = (ApiKeyScope.WEBHOOKS_WRITE.value,)
ENDPOINT_ID = OpenApiParameter("endpoint_id", int, OpenApiParameter.PATH, description="A webhook endpoint's id.")
DELIVERY_ID = OpenApiParameter("delivery_id", int, OpenApiParameter.PATH, description="A delivery's id.")


def refused(exc: ApplicationError) -> InvalidRequest:
    return InvalidRequest(exc.message, code="invalid_url" if isinstance(exc, TargetRefused) else "invalid", param="url")


class WebhookEndpointListView(ApiView):
    serializer_class = WebhookEndpointSerializer
    required_scopes = {"GET": ("read",), "POST": WRITE}
    query_parameters = {"GET": PAGE_QUERY}

    @extend_schema(
        operation_id="webhook_endpoints_list",
        summary="List your webhook endpoints",
        responses={200: WebhookEndpointSerializer(many=True), **error_responses(400)},
    )
    def get(self, request):
        page = self.paginate_queryset(webhook_endpoint_list_for_customer(customer=self.customer))
        return self.get_paginated_response(WebhookEndpointSerializer(page, many=True).data)

    @extend_schema(
        operation_id="webhook_endpoints_create",
        summary="Add a webhook endpoint",
        description="Answers with the signing secret (whsec_…) once. At most 10 endpoints per account.",
        request=WebhookEndpointWriteSerializer,
        responses={201: WebhookEndpointCreatedSerializer, **error_responses(400, 415, 422)},
    )
    def post(self, request):
        body = WebhookEndpointWriteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            endpoint, secret = webhook_endpoint_create(customer=self.customer, **body.validated_data)
        except WebhookLimitReached as exc:
            raise Unprocessable(exc.message, code="limit_reached") from exc
        except ApplicationError as exc:
            raise refused(exc) from exc
        data = {**WebhookEndpointSerializer(endpoint).data, "secret": secret}
        return Response(data, status=status.HTTP_201_CREATED)


class WebhookEndpointDetailView(ApiView):
    serializer_class = WebhookEndpointSerializer
    required_scopes = {"GET": ("read",), "PATCH": WRITE, "DELETE": WRITE}

    @extend_schema(
        operation_id="webhook_endpoints_retrieve",
        summary="Get a webhook endpoint",
        parameters=[ENDPOINT_ID],
        responses={200: WebhookEndpointSerializer, **error_responses(404)},
    )
    def get(self, request, endpoint_id: int):
        endpoint = webhook_endpoint_get_for_customer(customer=self.customer, endpoint_id=endpoint_id)
        return Response(WebhookEndpointSerializer(endpoint).data)

    @extend_schema(
        operation_id="webhook_endpoints_update",
        summary="Change a webhook endpoint",
        parameters=[ENDPOINT_ID],
        request=WebhookEndpointUpdateSerializer,
        responses={200: WebhookEndpointSerializer, **error_responses(400, 404, 415)},
    )
    def patch(self, request, endpoint_id: int):
        endpoint = webhook_endpoint_get_for_customer(customer=self.customer, endpoint_id=endpoint_id)
        body = WebhookEndpointUpdateSerializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        try:
            endpoint = webhook_endpoint_update(endpoint=endpoint, **body.validated_data)
        except ApplicationError as exc:
            raise refused(exc) from exc
        return Response(WebhookEndpointSerializer(endpoint).data)

    @extend_schema(
        operation_id="webhook_endpoints_destroy",
        summary="Delete a webhook endpoint",
        parameters=[ENDPOINT_ID],
        description="Answers with the endpoint as it was; its deliveries are deleted with it.",
        responses={200: WebhookEndpointSerializer, **error_responses(404)},
    )
    def delete(self, request, endpoint_id: int):
        endpoint = webhook_endpoint_get_for_customer(customer=self.customer, endpoint_id=endpoint_id)
        data = WebhookEndpointSerializer(endpoint).data
        webhook_endpoint_delete(endpoint=endpoint)
        return Response(data)


class WebhookEndpointRotateView(ApiView):
    required_scopes = {"POST": WRITE}

    @extend_schema(
        operation_id="webhook_endpoints_rotate_secret",
        summary="Rotate an endpoint's signing secret",
        description="The old secret keeps signing beside the new one for 24 hours.",
        parameters=[ENDPOINT_ID],
        request=None,
        responses={200: WebhookSecretSerializer, **error_responses(404)},
    )
    def post(self, request, endpoint_id: int):
        endpoint = webhook_endpoint_get_for_customer(customer=self.customer, endpoint_id=endpoint_id)
        secret = webhook_endpoint_rotate_secret(endpoint=endpoint)
        return Response({"secret": secret, "previous_secret_expires_at": endpoint.previous_secret_expires_at})


class WebhookEndpointTestView(ApiView):
    required_scopes = {"POST": WRITE}

    @extend_schema(
        operation_id="webhook_endpoints_test",
        summary="Send a webhook.test event to an endpoint",
        parameters=[ENDPOINT_ID],
        request=None,
        responses={200: WebhookTestSerializer, **error_responses(404)},
    )
    def post(self, request, endpoint_id: int):
        endpoint = webhook_endpoint_get_for_customer(customer=self.customer, endpoint_id=endpoint_id)
        event = webhook_endpoint_test(endpoint=endpoint)
        return Response(WebhookTestSerializer(event).data)


class WebhookDeliveryListView(ApiView):
    serializer_class = WebhookDeliverySerializer
    query_parameters = {"GET": PAGE_QUERY}

    @extend_schema(
        operation_id="webhook_endpoints_deliveries",
        summary="List an endpoint's deliveries",
        parameters=[ENDPOINT_ID],
        responses={200: WebhookDeliverySerializer(many=True), **error_responses(400, 404)},
    )
    def get(self, request, endpoint_id: int):
        endpoint = webhook_endpoint_get_for_customer(customer=self.customer, endpoint_id=endpoint_id)
        page = self.paginate_queryset(webhook_delivery_list_for_endpoint(endpoint=endpoint))
        return self.get_paginated_response(WebhookDeliverySerializer(page, many=True).data)


class WebhookRedeliverView(ApiView):
    required_scopes = {"POST": WRITE}

    @extend_schema(
        operation_id="webhook_deliveries_redeliver",
        summary="Send a delivery again",
        parameters=[DELIVERY_ID],
        request=None,
        responses={200: WebhookDeliverySerializer, **error_responses(404, 422)},
    )
    def post(self, request, delivery_id: int):
        delivery = webhook_delivery_get_for_customer(customer=self.customer, delivery_id=delivery_id)
        try:
            delivery = webhook_delivery_redeliver(delivery=delivery)
        except ApplicationError as exc:
            raise Unprocessable(exc.message, code="endpoint_disabled") from exc
        return Response(WebhookDeliverySerializer(delivery).data)
