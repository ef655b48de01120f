import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers

from .errors import error_envelope
from .throttling import ClientIpRateThrottle, rate_limit_headers

API_PREFIX = "/api/"
# HTML by design: the API reference page.
HTML_PATHS = ("/api/docs/",)
_MESSAGES = {
    400: "The request could not be read.",
    403: "Forbidden.",
    404: "There is no such endpoint.",
    405: "Method not allowed.",
    413: "The request body is too large.",
    500: "Something went wrong on our side. Please retry; if it persists, contact support with the request id.",
}


def is_api_path(path: str) -> bool:
    return (path == "/api" or path.startswith(API_PREFIX)) and not path.startswith(HTML_PATHS)


def _is_envelope(response: HttpResponse) -> bool:
    if not response.get("Content-Type", "").startswith("application/json") or getattr(response, "streaming", False):
        return False
    try:
        return isinstance(json.loads(response.content).get("error"), dict)
    except (ValueError, AttributeError):
        return False


class ApiErrorEnvelopeMiddleware:
    """Under /api/, an error answer made outside DRF (Django's 500 page, a refused Host, an
    oversized body) is replaced by the JSON envelope, and every answer carries the rate-limit
    headers. Never an HTML page under /api/."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not is_api_path(request.path):
            return response
        if response.status_code >= 400 and not _is_envelope(response):
            status = response.status_code
            code = {404: "unknown_endpoint", 500: "internal_error"}.get(status, "error")
            message = _MESSAGES.get(status, response.reason_phrase or "Error.")
            replacement = JsonResponse(error_envelope(status_code=status, code=code, message=message), status=status)
            for header in ("Retry-After", "Allow", "WWW-Authenticate"):
                if header in response:
                    replacement[header] = response[header]
            add_never_cache_headers(replacement)
            response = replacement
        if "RateLimit-Limit" not in response:
            if not rate_limit_headers(request):
                ClientIpRateThrottle().allow_request(request, None)
            for name, value in rate_limit_headers(request).items():
                response[name] = value
        return response
