"""The OpenAPI 3.1 document (drf-spectacular): the auth scheme, the scopes per operation, and the
conventions every answer shares, added once here rather than on each view: the error envelope
for each error status (with an example), the rate-limit and request-id headers."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse

from .errors import ERROR_TYPES, error_type_for
from .permissions import scopes_for

# Every operation can answer these (400: an unknown query parameter, at least).
COMMON_ERRORS = (400, 401, 403, 429, 500)
ERRORS = {
    400: ("Bad request: a parameter or the body is invalid.", "invalid", "The limit must be 1 to 100.", "limit"),
    401: ("No API key, or not a valid one (revoked, expired).", "invalid_api_key", "Invalid API key.", None),
    403: (
        "The key lacks a scope, or is used from an address it may not be.",
        "insufficient_scope",
        "This API key lacks the 'keys:write' scope.",
        None,
    ),
    404: ("No such object, or it is not yours.", "not_found", "No such object.", None),
    409: (
        "A request with the same Idempotency-Key is still running.",
        "idempotency_key_in_use",
        "A request with this Idempotency-Key is still in progress; retry shortly.",
        "Idempotency-Key",
    ),
    415: (
        "The body must be JSON (Content-Type: application/json).",
        "unsupported_media_type",
        'Unsupported media type "text/plain" in request.',
        None,
    ),
    422: (
        "Well formed, but not possible (e.g. an Idempotency-Key reused with another body).",
        "idempotency_key_reused",
        "This Idempotency-Key was already used for a different request.",
        "Idempotency-Key",
    ),
    429: (
        "Too many requests: see Retry-After and the RateLimit headers.",
        "rate_limited",
        "Too many requests. Retry in 12 s.",
        None,
    ),
    500: (
        "Something broke on our side. Retry with backoff.",
        "internal_error",
        "Something went wrong on our side.",
        None,
    ),
    503: (
        "The proxy network or the payment provider is unreachable. Retry with backoff.",
        "upstream_unavailable",
        "We can't reach the proxy network right now. Please try again in a minute.",
        None,
    ),
}
SUCCESS = {"200": "OK", "201": "Created"}
HEADERS = {
    "RateLimit-Limit": ("Requests allowed in the current window.", "integer"),
    "RateLimit-Remaining": ("Requests left in the current window.", "integer"),
    "RateLimit-Reset": ("Seconds until the window starts over.", "integer"),
    "X-Request-ID": ("This request's id; quote it to support.", "string"),
}


def error_responses(*statuses: int) -> dict[int, OpenApiResponse]:
    """Error answers for extend_schema(responses=...); the hook turns them into shared components."""
    return {status: OpenApiResponse(description=ERRORS[status][0]) for status in statuses}


ERROR_ENVELOPE_SCHEMA = {
    "type": "object",
    "description": "The one shape of every error answer.",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["type", "code", "message", "param", "request_id"],
            "properties": {
                "type": {
                    "type": "string",
                    "enum": sorted(set(ERROR_TYPES.values())),
                    "description": "Follows the HTTP status.",
                },
                "code": {"type": "string", "description": "Stable and specific, e.g. insufficient_scope."},
                "message": {"type": "string", "description": "For humans; may change."},
                "param": {"type": ["string", "null"], "description": "The input the error is about, or null."},
                "request_id": {"type": "string", "description": "Same as the X-Request-ID header."},
            },
        }
    },
}


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "apps.api.authentication.ApiKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "sfk_live_… (sfk_test_… on a sandbox shop)",
            "description": "Create a key on the dashboard's API tab; send `Authorization: Bearer <key>`.",
        }


class ApiAutoSchema(AutoSchema):
    """Names the scopes an operation needs, in its security requirement and its description."""

    def _scopes(self) -> tuple[str, ...]:
        return scopes_for(self.view, self.method)

    def get_auth(self):
        auth = super().get_auth()
        return [{name: list(self._scopes()) for name in entry} if entry else entry for entry in auth]

    def get_description(self):
        # Only a view's own docstring, never one inherited from the shared base classes.
        return super().get_description() if "__doc__" in vars(type(self.view)) and type(self.view).__doc__ else ""


def _header_components() -> dict:
    return {
        name.replace("-", ""): {"description": text, "required": True, "schema": {"type": kind}}
        for name, (text, kind) in HEADERS.items()
    }


def _header_refs(*extra: str) -> dict:
    refs = {name: {"$ref": f"#/components/headers/{name.replace('-', '')}"} for name in HEADERS}
    for name in extra:
        refs[name] = {"$ref": f"#/components/headers/{name.replace('-', '')}"}
    return refs


def _error_component(status: int) -> dict:
    description, code, message, param = ERRORS[status]
    extra = {429: ("Retry-After",), 401: ("WWW-Authenticate",)}.get(status, ())
    example = {
        "error": {
            "type": error_type_for(status),
            "code": code,
            "message": message,
            "param": param,
            "request_id": "3f2c9b0e6a7d4e1f9c8b7a6d5e4f3a2b",
        }
    }
    return {
        "description": description,
        "headers": _header_refs(*extra),
        "content": {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/ErrorEnvelope"},
                "examples": {code: {"value": example}},
            }
        },
    }


def postprocess_conventions(result, generator, request, public):
    """drf-spectacular post-processing hook (SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"])."""
    components = result.setdefault("components", {})
    components.setdefault("schemas", {})["ErrorEnvelope"] = ERROR_ENVELOPE_SCHEMA
    headers = components.setdefault("headers", {})
    headers.update(_header_components())
    headers["RetryAfter"] = {
        "description": "Seconds to wait before retrying.",
        "required": True,
        "schema": {"type": "integer"},
    }
    headers["WWWAuthenticate"] = {"description": 'Bearer realm="api"', "required": True, "schema": {"type": "string"}}
    headers["Link"] = {
        "description": 'The next page: `<url>; rel="next"` (when there is one).',
        "required": False,
        "schema": {"type": "string"},
    }
    responses = components.setdefault("responses", {})
    for status in ERRORS:
        responses[f"Error{status}"] = _error_component(status)
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            op_responses = operation["responses"]
            for status in COMMON_ERRORS:
                op_responses.setdefault(str(status), {})
            for status, response in list(op_responses.items()):
                if status.isdigit() and int(status) >= 400:
                    op_responses[status] = {"$ref": f"#/components/responses/Error{status}"}
                else:
                    response["description"] = response.get("description") or SUCCESS.get(status, "OK")
                    is_list = "Paginated" in str(response.get("content", {})) or "next_cursor" in str(response)
                    response["headers"] = {
                        **response.get("headers", {}),
                        **_header_refs(*(("Link",) if is_list else ())),
                    }
            operation["responses"] = dict(sorted(op_responses.items()))
            scopes = sorted(
                {scope for entry in operation.get("security", []) for need in entry.values() for scope in need}
            )
            if scopes:
                needed = ", ".join(f"`{scope}`" for scope in scopes)
                operation["description"] = f"{operation.get('description', '')}\n\nScopes: {needed}.".strip()
    return result
