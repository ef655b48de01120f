"""Proxy URLs from code: the dashboard's URL builder (the same Python grammar, the same
per-customer session scope) for one URL or a bulk list of up to 1,000."""

from django.utils.translation import gettext
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.response import Response

from apps.accounts.models import ApiKeyScope
from apps.proxies.dashboard.builder import builder_options_from
from apps.proxies.dashboard.bulk import proxy_url_items, proxy_urls_check
from apps.proxies.selectors import pool_key_current_for_customer
from apps.proxies.urlgrammar import ProxyUrlError

from ..errors import InvalidRequest, NotFoundError
from ..examples import PROXY_URLS
from ..schema import error_responses
from ..serializers.proxy_urls import ProxyUrlsBuildSerializer, ProxyUrlsSerializer
from .base import ApiView
from .keys import own_key, reveal_or_429

_PARAMS = {"sid": "session"}


class ProxyUrlsView(ApiView):
    @extend_schema(
        operation_id="proxy_urls_create",
        summary="Build proxy URLs",
        description="The URLs the dashboard's builder would produce for these options. The real secret is "
        "included when `include_secret` is true and the API key has the `keys:write` scope (an audited "
        "reveal, counted against the reveal limit); otherwise the URLs carry the masked hint.",
        request=ProxyUrlsBuildSerializer,
        responses={200: ProxyUrlsSerializer, **error_responses(400, 404, 415, 503)},
        examples=[
            OpenApiExample(
                "Ten sticky US mobile sessions",
                request_only=True,
                value={"pool": "mbl", "country": "us", "rotation": "sticky", "count": 10, "format": "url"},
            ),
            PROXY_URLS,
        ],
    )
    def post(self, request):
        body = ProxyUrlsBuildSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        if "key_id" in data:
            key = own_key(self, data["key_id"])
        else:
            key = pool_key_current_for_customer(customer=self.customer)
            if key is None:
                raise NotFoundError(gettext("You have no proxy key yet."), code="no_key", param="key_id")
        options = builder_options_from(data)
        count, fmt = data["count"], data["format"]
        try:
            proxy_urls_check(key=key, options=options, count=count)
        except ProxyUrlError as exc:
            raise InvalidRequest(
                exc.message, code="invalid_proxy_option", param=_PARAMS.get(exc.field, exc.field)
            ) from None
        secret = None
        if data["include_secret"] and request.auth.has_scope(ApiKeyScope.KEYS_WRITE):
            secret = reveal_or_429(self, key)
        items = proxy_url_items(key=key, options=options, count=count, fmt=fmt, secret=secret)
        result = {
            "key_id": key.pk,
            "count": len(items),
            "format": fmt,
            "secret_included": secret is not None,
            "data": items,
        }
        return Response(ProxyUrlsSerializer(result).data)
