import re
import uuid

from .request_context import request_id_var

_SAFE_ID = re.compile(r"^[A-Za-z0-9_.-]{8,128}$")


class RequestIdMiddleware:
    """Gives each request an id (kept from a trusted proxy's X-Request-ID when well formed),
    puts it on every log line and echoes it in the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _SAFE_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request_id
        return response
