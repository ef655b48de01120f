from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings

from .selectors import brand_get


@dataclass(frozen=True)
class _BrandSite:
    """Stands in for django.contrib.sites in allauth's mail templates (`current_site`)."""

    name: str
    domain: str


def canonical_url(url: str) -> str:
    """Rebases an absolute URL onto SITE_URL, so a link in an email never carries the
    Host header of the request that triggered it."""
    parts = urlsplit(url)
    if not parts.scheme:
        return url
    base = urlsplit(settings.SITE_URL)
    path = base.path.rstrip("/") + parts.path
    return urlunsplit((base.scheme, base.netloc, path, parts.query, parts.fragment))


class AccountAdapter(DefaultAccountAdapter):
    def get_from_email(self) -> str:
        return settings.DEFAULT_FROM_EMAIL

    def format_email_subject(self, subject: str) -> str:
        return f"[{brand_get().name}] {subject}"

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        brand = brand_get()
        context = {
            key: canonical_url(value) if key.endswith("_url") and isinstance(value, str) else value
            for key, value in context.items()
        }
        context.update(
            {
                "brand": brand,
                "site_url": settings.SITE_URL,
                "current_site": _BrandSite(name=brand.name, domain=urlsplit(settings.SITE_URL).netloc),
            }
        )
        super().send_mail(template_prefix, email, context)
