from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation

from apps.core.i18n import language_offered
from apps.core.mail import header_text, mail_enqueue, mail_from

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
        return mail_from(brand_get().name)

    def render_mail(self, template_prefix: str, email: str, context: dict, headers: dict | None = None):
        """allauth's text mail, plus an HTML part in the shop's branded frame when allauth has no
        HTML template of its own for it (every account mail: confirmation, codes, reset, notices)."""
        message = super().render_mail(template_prefix, email, context, headers=headers)
        if isinstance(message, EmailMultiAlternatives) and message.alternatives:
            return message
        branded = EmailMultiAlternatives(
            subject=message.subject,
            body=message.body,
            from_email=message.from_email,
            to=message.to,
            headers=message.extra_headers,
        )
        branded.attach_alternative(
            render_to_string("emails/account_message.html", {**context, "body": message.body}), "text/html"
        )
        return branded

    def save_user(self, request, user, form, commit=True):
        """A new customer's emails come in the language they signed up in."""
        user.language = language_offered(translation.get_language()) or ""
        return super().save_user(request, user, form, commit=commit)

    def format_email_subject(self, subject: str) -> str:
        # One line whatever the brand name holds: a CR/LF would make every email fail.
        return header_text(f"[{brand_get().name}] {subject}")

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Renders the message now and sends it from a job after the commit: a mail server
        outage must not fail the sign-up (and roll back the account) or the reset request."""
        brand = brand_get()
        context = {
            key: canonical_url(value) if key.endswith("_url") and isinstance(value, str) else value
            for key, value in context.items()
        }
        context = {
            "request": allauth_context.request,
            "email": email,
            **context,
            "brand": brand,
            "site_url": settings.SITE_URL,
            "current_site": _BrandSite(name=brand.name, domain=urlsplit(settings.SITE_URL).netloc),
        }
        # The account's saved language; without one (or no account yet), the page's.
        language = language_offered(getattr(context.get("user"), "language", ""))
        with translation.override(language) if language else nullcontext():
            message = self.render_mail(template_prefix, email, context)
        mail_enqueue(message=message, kind=template_prefix.rsplit("/", 1)[-1])
