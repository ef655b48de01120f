"""The public rotation link, `/r/<token>`: for scripts (`curl https://shop/r/rl_…`), so it takes
GET and POST without a session or CSRF token; the token is the credential. JSON in every case;
the token never reaches a log line (apps/core/logging.py masks `/r/…`)."""

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from apps.core.errors import ApplicationError, NotFound
from apps.core.http import client_ip
from apps.core.ratelimit import rate_limit_allows
from apps.ports.errors import PortCooldownError, PortNotUsable, PortsRetryableError
from apps.ports.services import RotationLinkRateLimited, port_rotate_by_link


def _reply(payload: dict, status: int, retry_after: int | None = None) -> JsonResponse:
    response = JsonResponse(payload, status=status)
    response["X-Robots-Tag"] = "noindex"
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@csrf_exempt
@transaction.non_atomic_requests
@never_cache
@require_http_methods(["GET", "POST"])
def rotation_link_view(request: HttpRequest, token: str) -> JsonResponse:
    if not rate_limit_allows(request, action="port_rotation_link"):
        return _reply({"ok": False, "error": "Too many requests from your address."}, 429, 60)
    try:
        outcome = port_rotate_by_link(token=token, ip=client_ip(request))
    except NotFound:
        return _reply({"ok": False, "error": "No such rotation link."}, 404)
    except RotationLinkRateLimited as exc:
        return _reply({"ok": False, "error": exc.message}, 429, exc.retry_after)
    except PortCooldownError as exc:
        return _reply({"ok": False, "error": exc.message, "retry_after": exc.remaining}, 429, exc.remaining)
    except PortNotUsable as exc:
        return _reply({"ok": False, "error": exc.message}, 409)
    except PortsRetryableError as exc:
        return _reply({"ok": False, "error": exc.message}, 503, int(exc.retry_after or 30))
    except ApplicationError as exc:
        return _reply({"ok": False, "error": exc.message}, 502)
    return _reply({"ok": True, "old_ip": outcome.old_ip, "new_ip": outcome.new_ip, "message": outcome.message}, 200)
