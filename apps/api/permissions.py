"""Scopes. A view names the scopes each HTTP method needs (`required_scopes`); a key without one
gets 403 insufficient_scope, and the refusal is audited."""

from django.utils.translation import gettext
from rest_framework.permissions import BasePermission

from apps.accounts.models import ApiKey
from apps.accounts.services import api_key_audit_denied
from apps.core.http import client_ip

from .errors import Forbidden

READ = "read"


def scopes_for(view, method: str) -> tuple[str, ...]:
    required = getattr(view, "required_scopes", None) or {}
    return tuple(required.get(method, required.get("*", (READ,))))


class HasScopes(BasePermission):
    message = "Authentication credentials were not provided."

    def has_permission(self, request, view) -> bool:
        key = request.auth
        if not isinstance(key, ApiKey):
            return False  # DRF answers 401 (not authenticated), with WWW-Authenticate
        missing = [scope for scope in scopes_for(view, request.method) if not key.has_scope(scope)]
        if missing:
            ip = client_ip(request._request)
            api_key_audit_denied(
                key=key, code="insufficient_scope", ip=ip, data={"missing": missing, "path": request.path[:200]}
            )
            raise Forbidden(
                gettext("This API key lacks the %(value)s scope.") % {"value": repr(missing[0])},
                code="insufficient_scope",
            )
        return True


class Public(BasePermission):
    """For the schema and the catch-all: no key needed."""

    def has_permission(self, request, view) -> bool:
        return True
