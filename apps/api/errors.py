"""One error envelope for every 4xx/5xx answer of the API:

    {"error": {"type": "...", "code": "...", "message": "...", "param": null, "request_id": "..."}}

`type` follows the status (below); `code` is stable and specific (`insufficient_scope`,
`invalid_cursor`, ...); `param` names the offending input when there is one. DRF's own errors go
through `api_exception_handler`; anything else under /api/ (unknown URLs, a 500 page, a refused
Host) is rewritten by ApiErrorEnvelopeMiddleware."""

import math

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response

from apps.core.errors import NotFound as DomainNotFound
from apps.core.request_context import request_id_var

ERROR_TYPES = {
    400: "invalid_request",
    401: "authentication_required",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "invalid_request",
    415: "unsupported_media_type",
    422: "unprocessable_entity",
    429: "rate_limited",
    500: "internal_error",
    502: "service_unavailable",
    503: "service_unavailable",
    504: "service_unavailable",
}
# DRF's codes, renamed where ours say more.
_CODE_RENAMES = {
    "not_authenticated": "missing_api_key",
    "authentication_failed": "invalid_api_key",
    "throttled": "rate_limited",
    "error": "invalid",
}


def error_type_for(status_code: int) -> str:
    return ERROR_TYPES.get(status_code, "invalid_request" if status_code < 500 else "internal_error")


def error_envelope(
    *, status_code: int, code: str, message: str, param: str | None = None, request_id: str = ""
) -> dict:
    rid = request_id or request_id_var.get()
    return {
        "error": {
            "type": error_type_for(status_code),
            "code": code,
            "message": message,
            "param": param,
            "request_id": "" if rid == "-" else rid,
        }
    }


class ApiError(exceptions.APIException):
    """An API error with a stable code and, optionally, the input it is about."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "invalid"
    default_detail = "The request is not valid."

    def __init__(self, message: str | None = None, *, code: str | None = None, param: str | None = None) -> None:
        super().__init__(message or self.default_detail, code or self.default_code)
        self.param = param


class InvalidRequest(ApiError):
    pass


class Forbidden(ApiError):
    status_code = status.HTTP_403_FORBIDDEN
    default_code = "forbidden"
    default_detail = "This API key may not do that."


class NotFoundError(ApiError):
    status_code = status.HTTP_404_NOT_FOUND
    default_code = "not_found"
    default_detail = "No such object."


class Conflict(ApiError):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "The request conflicts with another one in progress."


class Unprocessable(ApiError):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "unprocessable"
    default_detail = "The request is well formed but cannot be carried out."


class ServiceUnavailable(ApiError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "service_unavailable"
    default_detail = "A service this request needs is unavailable. Please retry in a minute."


class TooManyRequests(exceptions.Throttled):
    """A limit of its own (the secret reveals), answered like the rate limit."""

    def __init__(self, message: str, *, wait: float, code: str = "rate_limited") -> None:
        super().__init__(wait=wait, detail=message, code=code)
        self.message = message


def _first_validation_error(detail, path: tuple[str, ...] = ()) -> tuple[str | None, str, str]:
    """(param, message, code) of the first error in a ValidationError's detail."""
    if isinstance(detail, dict):
        for name, value in detail.items():
            step = () if name in ("non_field_errors", "detail") else (str(name),)
            return _first_validation_error(value, path + step)
    if isinstance(detail, list):
        for index, value in enumerate(detail):
            nested = isinstance(value, dict | list)
            return _first_validation_error(value, path + ((str(index),) if nested and path else ()))
    code = getattr(detail, "code", None) or "invalid"
    return (".".join(path) or None), str(detail), str(code)


def _normalise(exc: Exception) -> Exception:
    """Domain "not found" in any of its spellings is a 404: someone else's object looks missing."""
    if isinstance(exc, Http404 | ObjectDoesNotExist | DomainNotFound):
        return exceptions.NotFound("No such object.", code="not_found")
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    return exc


def api_exception_handler(exc: Exception, context: dict):
    """DRF's EXCEPTION_HANDLER: the envelope, with the headers DRF's own handler would set
    (WWW-Authenticate, Retry-After). Unlike DRF's, it never marks a transaction for rollback: the
    API's views run outside ATOMIC_REQUESTS and the services commit their own work. Anything
    that is not an API error is left to Django (a logged 500 the middleware turns into the envelope)."""
    exc = _normalise(exc)
    if not isinstance(exc, exceptions.APIException):
        return None
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(max(1, math.ceil(exc.wait)))
    param = getattr(exc, "param", None)
    if isinstance(exc, exceptions.ValidationError):
        param, message, code = _first_validation_error(exc.detail)
    else:
        message = str(exc.detail)
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "error"
    code = _CODE_RENAMES.get(code, code)
    if code == "missing_api_key":
        message = "No API key: send it as `Authorization: Bearer <key>`."
    if isinstance(exc, exceptions.Throttled):
        message = getattr(exc, "message", "Too many requests.")
        if exc.wait is not None:
            message += f" Retry in {max(1, math.ceil(exc.wait))} s."
    body = error_envelope(status_code=exc.status_code, code=code, message=message, param=param)
    return Response(body, status=exc.status_code, headers=headers)
