"""Request types for views that only a signed-in customer reaches (typing only)."""

from django.http import HttpRequest

from apps.accounts.models import User
from apps.core.http import HtmxHttpRequest


class AuthenticatedHttpRequest(HttpRequest):
    """A request past @login_required: `user` is a real User, never AnonymousUser."""

    user: User


class AuthenticatedHtmxHttpRequest(AuthenticatedHttpRequest, HtmxHttpRequest):
    """A signed-in request that also went through django-htmx's middleware."""
