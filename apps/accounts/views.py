from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from .selectors import account_security_get


@require_GET
@login_required
def account_overview(request):
    security = account_security_get(user=request.user)
    return render(request, "account/overview.html", {"security": security})
