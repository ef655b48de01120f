from allauth.core.internal.httpkit import get_client_ip
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """A request that went through django-htmx's HtmxMiddleware (installed site-wide): for
    annotating views that read `request.htmx`. Typing only; never instantiated."""

    htmx: HtmxDetails


def client_ip(request: HttpRequest) -> str | None:
    """The client's address for audit entries, read the same way allauth's rate limits read it:
    behind TRUSTED_PROXY_COUNT proxies from X-Forwarded-For, or from TRUSTED_CLIENT_IP_HEADER."""
    try:
        return get_client_ip(request)
    except ImproperlyConfigured:  # a forwarded chain shorter than the trusted proxy count
        return request.META.get("REMOTE_ADDR") or None
