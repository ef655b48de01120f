from django.conf import settings
from django.shortcuts import redirect


class StaffMfaRequiredMiddleware:
    """With STAFF_REQUIRE_MFA on, staff must enrol in two-factor auth before using the admin."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            settings.STAFF_REQUIRE_MFA
            and request.path.startswith("/admin/")
            and getattr(request, "user", None) is not None
            and request.user.is_authenticated
            and request.user.is_staff
        ):
            from allauth.mfa.models import Authenticator

            if not Authenticator.objects.filter(user=request.user, type=Authenticator.Type.TOTP).exists():
                return redirect("mfa_activate_totp")
        return self.get_response(request)
