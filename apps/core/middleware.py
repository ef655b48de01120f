import logging
import re
import time
import uuid

from django.http import Http404
from django.utils.cache import patch_cache_control

from .errors import NotFound
from .logging import TOKEN_PATH_PATTERN, mask_secrets
from .request_context import request_id_var

_SAFE_ID = re.compile(r"^[A-Za-z0-9_.-]{8,128}$")

access_logger = logging.getLogger("storefront.access")


class RequestIdMiddleware:
    """Gives each request an id (kept from a trusted proxy's X-Request-ID when well formed),
    puts it on every log line, echoes it in the response and writes one access log line."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            # Health probes every few seconds would drown the log at INFO.
            level = logging.DEBUG if request.path == "/healthz" else logging.INFO
            path = mask_secrets(request.path)  # reset and confirmation links carry live tokens
            access_logger.log(
                level,
                "%s %s %s",
                request.method,
                path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
        finally:
            request_id_var.reset(token)
        return response


class PrivateCacheMiddleware:
    """`Cache-Control: private, no-store` on every response to a signed-in visitor, and on the
    pages reached by a token link (password reset, email confirmation): orders, receipts, the
    account and two-factor pages must never be kept by a shared proxy or the browser's cache.
    A view that set its own Cache-Control keeps it. Static files (served by WhiteNoise, before
    this middleware) and public pages for anonymous visitors stay cacheable."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.has_header("Cache-Control"):
            return response
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or TOKEN_PATH_PATTERN.search(request.path):
            patch_cache_control(response, private=True, no_store=True)
        return response


class NotFoundMiddleware:
    """The one place a domain "not found" becomes a 404: selectors and services raise
    `apps.core.errors.NotFound` for anything missing or not the caller's, and views let it
    through. Someone else's object answers exactly like a missing one."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, NotFound):
            raise Http404(exception.message) from exception
        return None
