from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .selectors import health_check


def landing(request):
    return render(request, "core/landing.html", {})


@transaction.non_atomic_requests
@never_cache
@require_GET
def healthz(request):
    report = health_check()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)
