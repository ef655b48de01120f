from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.i18n import set_language

from apps.core.http import client_ip
from apps.core.i18n import language_offered

from .selectors import account_security_get, brand_get, user_must_accept_terms
from .services import user_language_set, user_terms_accept


@require_GET
@login_required
def account_overview(request):
    security = account_security_get(user=request.user)
    return render(request, "account/overview.html", {"security": security})


@require_http_methods(["GET", "POST"])
@login_required
def terms_accept(request):
    """The operator published new terms: read the links, accept, carry on where you were."""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    if request.method == "POST" and user_must_accept_terms(user=request.user):
        if request.POST.get("accept") != "yes":
            messages.error(request, gettext("Please tick the box to accept the terms, or sign out."))
        else:
            user_terms_accept(user=request.user, ip=client_ip(request))
            messages.success(request, gettext("Thank you: you accepted the updated terms."))
            return redirect(next_url or "proxies:dashboard")
    if not user_must_accept_terms(user=request.user):
        return redirect(next_url or "proxies:dashboard")
    return render(request, "account/terms.html", {"brand": brand_get(), "next": next_url})


@require_POST
def language_set(request):
    """Django's set_language (the cookie, back to `next`), and for a signed-in customer the
    choice saved on the account, so emails and alerts follow it."""
    response = set_language(request)
    language = language_offered(request.POST.get("language"))
    if language and request.user.is_authenticated:
        user_language_set(user=request.user, language=language)
    return response
