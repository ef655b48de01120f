"""The OpenAPI document, the reference page and the answer for unknown URLs under /api/."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET
from drf_spectacular.views import SpectacularJSONAPIView
from rest_framework.views import APIView

from ..errors import NotFoundError
from ..permissions import Public
from .base import ApiConventions


class OpenApiView(ApiConventions, SpectacularJSONAPIView):
    """GET /api/v1/openapi.json: public (it holds no customer data), limited per IP."""

    authentication_classes: list = []
    permission_classes = [Public]
    throttle_classes: list = []
    query_parameters = None
    http_method_names = ["get", "head"]


class UnknownEndpointView(ApiConventions, APIView):
    """Anything else under /api/: a 404 in the envelope, whatever the method."""

    authentication_classes: list = []
    permission_classes = [Public]
    throttle_classes: list = []
    schema = None
    query_parameters = None
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options", "trace"]

    def _unknown(self, request, *args, **kwargs):
        raise NotFoundError(gettext("There is no such endpoint. See /api/docs/."), code="unknown_endpoint")

    get = post = put = patch = delete = head = options = trace = _unknown


@require_GET
def api_docs(request: HttpRequest) -> HttpResponse:
    """The reference, rendered by Swagger UI from the self-hosted sidecar assets: no inline script,
    so it passes the shop's CSP (script-src 'self' + nonce)."""
    return render(request, "api/docs.html", {"schema_url": reverse("api:openapi")})
