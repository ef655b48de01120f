from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext

from apps.core.i18n import language_offered

from .selectors import user_must_accept_terms


class StaffMfaRequiredMiddleware:
    """With STAFF_REQUIRE_MFA on, staff must enrol in two-factor auth before using the admin.

    A staff member without an authenticator app is sent to allauth's "activate authenticator
    app" page (which asks for the password again, then shows the QR code and recovery codes)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.STAFF_REQUIRE_MFA and self._needs_enrolment(request):
            messages.warning(
                request, gettext("Staff accounts must turn on two-factor authentication to use the admin.")
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)

    @staticmethod
    def _needs_enrolment(request) -> bool:
        user = getattr(request, "user", None)
        return (
            user is not None
            and user.is_authenticated
            and user.is_staff
            and request.path.startswith(reverse("admin:index"))
            and not is_mfa_enabled(user, [Authenticator.Type.TOTP])
        )


class TermsAcceptanceMiddleware:
    """When the operator publishes a new terms version (brand settings), a signed-in customer
    accepts it before using the site: every page sends them to the acceptance page first. Not
    held up: the acceptance page itself, signing out, the API and machine endpoints (webhooks,
    rotation links, health, metrics), static files, and staff."""

    OPEN_PREFIXES = (
        "/account/terms/",
        "/accounts/logout/",
        "/api/",
        "/billing/stripe/webhook/",
        "/billing/webhooks/",
        "/r/",
        "/x402/",
        "/static/",
        "/healthz",
        "/metrics",
        "/admin/",
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and not request.path.startswith(self.OPEN_PREFIXES) and user_must_accept_terms(user=user):
            return redirect(f"{reverse('accounts:terms')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


class UserLanguageMiddleware:
    """After LocaleMiddleware (cookie, Accept-Language): `?lang=` (the hreflang alternates) for
    this page only, else a signed-in customer's saved language, on every device they use."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        language = language_offered(request.GET.get("lang")) or (
            language_offered(user.language) if user is not None and user.is_authenticated else None
        )
        if language and language != request.LANGUAGE_CODE:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
