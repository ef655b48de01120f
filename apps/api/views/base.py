import logging

from django.db import transaction
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext
from rest_framework.generics import GenericAPIView
from rest_framework.views import APIView

from apps.core.errors import ApplicationError
from apps.proxies.upstream.errors import UpstreamError

from ..errors import InvalidRequest, ServiceUnavailable
from ..throttling import ClientIpRateThrottle, rate_limit_headers

logger = logging.getLogger("apps.api")

UNAVAILABLE = "We can't reach the proxy network right now. Please try again in a minute."


class ApiConventions(APIView):
    """Every endpoint: per-IP limit before authentication, per-key limit after it, the rate-limit
    headers and no-store on every answer. Not wrapped in ATOMIC_REQUESTS: the services keep their
    own short transactions (an upstream write cannot roll back, and its record must survive)."""

    # HTTP method -> scopes the key needs; "*" for any other method. Default: read.
    required_scopes: dict[str, tuple[str, ...]] = {}
    # HTTP method -> the query parameters the view reads (HEAD as GET); any other is refused, so
    # a typo such as ?limt=5 does not pass silently. None: not checked.
    query_parameters: dict[str, tuple[str, ...]] | None = {}
    http_method_names = ["get", "post", "patch", "delete", "head"]

    @classmethod
    def as_view(cls, **initkwargs):
        return transaction.non_atomic_requests(super().as_view(**initkwargs))

    def perform_authentication(self, request) -> None:
        throttle = ClientIpRateThrottle()
        if not throttle.allow_request(request, self):
            self.throttled(request, throttle.wait())
        super().perform_authentication(request)

    def initial(self, request, *args, **kwargs) -> None:
        super().initial(request, *args, **kwargs)
        handled = request.method.lower() in self.http_method_names and hasattr(self, request.method.lower())
        if self.query_parameters is not None and handled:  # else DRF answers 405
            method = "GET" if request.method == "HEAD" else request.method
            unknown = sorted(set(request.query_params) - set(self.query_parameters.get(method, ())))
            if unknown:
                name = unknown[0][:50]
                raise InvalidRequest(
                    gettext("Unknown query parameter %(name)s.") % {"name": repr(name)},
                    code="unknown_parameter",
                    param=name,
                )

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        for name, value in rate_limit_headers(request._request).items():
            response[name] = value
        add_never_cache_headers(response)
        return response


class ApiView(ApiConventions, GenericAPIView):
    @property
    def customer(self):
        return self.request.user


def unavailable(exc: Exception, what: str) -> ServiceUnavailable:
    """An upstream or provider failure, as the dashboard words it (503, retry later)."""
    logger.warning("%s failed: %s", what, exc)
    message = exc.message if isinstance(exc, ApplicationError) else UNAVAILABLE
    return ServiceUnavailable(message, code="upstream_unavailable")


UPSTREAM_ERRORS = (UpstreamError, ApplicationError)
