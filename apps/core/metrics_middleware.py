"""Counts every request and times it (apps.core.metrics), labelled by method, status and view."""

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from .metrics import counter_increments, histogram_increments, metrics_add


class RequestMetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name or "unnamed") if match else "unresolved"
        method = _method(request)
        metrics_add(
            counter_increments(
                "storefront_http_requests", labels={"method": method, "status": str(response.status_code)}
            ),
            histogram_increments(
                "storefront_http_request_duration_seconds",
                labels={"method": method, "view": view},
                value=time.perf_counter() - started,
            ),
        )
        return response


def _method(request: HttpRequest) -> str:
    # A made-up method would be a new label value each time: keep the standard ones only.
    method = request.method or ""
    return method if method in {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"} else "other"
