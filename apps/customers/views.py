"""The customer's privacy page: download everything the shop keeps about them, or delete the
account. Thin: selectors and services do the work."""

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from apps.core.errors import ApplicationError
from apps.core.http import client_ip

from .selectors import customer_data_export
from .services import customer_delete


@require_GET
@login_required
def privacy(request):
    return render(request, "customers/privacy.html", {})


@require_GET
@login_required
def data_export(request):
    data = customer_data_export(customer=request.user)
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json; charset=utf-8"
    )
    stamp = timezone.now().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="my-data-{stamp}.json"'
    return response


@require_http_methods(["POST"])
@login_required
def account_delete(request):
    """Needs the account's email typed in and, when it has one, the password: a deletion is final."""
    user = request.user
    confirmed = request.POST.get("email", "").strip().lower() == user.email.lower()
    password_ok = not user.has_usable_password() or user.check_password(request.POST.get("password", ""))
    if not (confirmed and password_ok):
        messages.error(request, gettext("Type your email address and your password exactly to delete your account."))
        return redirect("customers:privacy")
    try:
        customer_delete(customer=user, ip=client_ip(request))
    except ApplicationError as exc:
        messages.error(
            request,
            gettext("Your account was not deleted: %(message)s Please try again in a few minutes.")
            % {"message": exc.message},
        )
        return redirect("customers:privacy")
    logout(request)
    messages.success(
        request,
        gettext(
            "Your account is deleted. Your proxies are switched off; "
            "your orders and invoices are kept as the law requires."
        ),
    )
    return redirect("/")
