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
    """200 while the site can serve ("ok", or "degraded": a background process looks dead);
    503 when it cannot. `?strict=1` answers 503 for "degraded" too (for the worker's and beat's
    own probes, and for monitors that should page on dead background jobs)."""
    report = health_check()
    strict = request.GET.get("strict", "") in {"1", "true", "yes"}
    healthy = report["status"] == "ok" or (report["status"] == "degraded" and not strict)
    return JsonResponse(report, status=200 if healthy else 503)
