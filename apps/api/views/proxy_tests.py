""" "Test my proxy": start a test of a key, list its last twenty."""

from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from apps.proxies.selectors import proxy_tests_for_key
from apps.proxies.services import ProxyTestRateLimited, proxy_test_start

from ..errors import TooManyRequests
from ..pagination import PAGE_QUERY
from ..schema import error_responses
from ..serializers.proxy_tests import ProxyTestRequestSerializer, ProxyTestSerializer
from .base import ApiView
from .keys import KEY_ID, own_key


class KeyTestView(ApiView):
    serializer_class = ProxyTestSerializer

    @extend_schema(
        operation_id="keys_test",
        summary="Test a key through the gateway",
        description="Sends one real request through the gateway with the key's own secret to the shop's IP-echo "
        "URL, in a worker with a hard timeout. Answers 201 with the test (status `pending`); read the result "
        "from GET …/tests. At most 10 tests per key per 10 minutes.",
        parameters=[KEY_ID],
        request=ProxyTestRequestSerializer,
        responses={201: ProxyTestSerializer, **error_responses(400, 404, 415, 429)},
    )
    def post(self, request, key_id: int):
        key = own_key(self, key_id)
        body = ProxyTestRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            test = proxy_test_start(
                key=key,
                actor=self.customer,
                username=body.validated_data.get("username", ""),
                protocol=body.validated_data["protocol"],
            )
        except ProxyTestRateLimited as exc:
            raise TooManyRequests(exc.message, wait=exc.retry_after, code="test_rate_limited") from exc
        return Response(ProxyTestSerializer(test).data, status=201)


class KeyTestListView(ApiView):
    query_parameters = {"GET": PAGE_QUERY}
    serializer_class = ProxyTestSerializer

    @extend_schema(
        operation_id="keys_tests_list",
        summary="The key's last twenty tests",
        parameters=[KEY_ID],
        responses={200: ProxyTestSerializer(many=True), **error_responses(404)},
    )
    def get(self, request, key_id: int):
        page = self.paginate_queryset(proxy_tests_for_key(key=own_key(self, key_id)))
        return self.get_paginated_response(ProxyTestSerializer(page, many=True).data)
