""" "Test my proxy" on the dashboard: start a test of the key (the worker runs it) and show the
key's last tests; the list polls while a test is running."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from apps.accounts.http import AuthenticatedHtmxHttpRequest
from apps.core.errors import NotFound
from apps.proxies.models import PoolKey
from apps.proxies.selectors import proxy_tests_for_key
from apps.proxies.services import ProxyTestRateLimited, proxy_test_start

from .common import own_key


def _results(request: AuthenticatedHtmxHttpRequest, key: PoolKey, *, notice: str = "", status: int = 200):
    context = {"key": key, "proxy_tests": list(proxy_tests_for_key(key=key)[:20]), "proxy_test_notice": notice}
    return render(request, "proxies/partials/proxy_test_results.html", context, status=status)


@never_cache
@login_required
@require_POST
def key_test(request: AuthenticatedHtmxHttpRequest, key_id: int) -> HttpResponse:
    key = own_key(request, key_id)
    notice, status = "", 200
    try:
        proxy_test_start(
            key=key,
            actor=request.user,
            username=request.POST.get("username", "")[:300],
            protocol=request.POST.get("protocol", "http"),
        )
    except ProxyTestRateLimited as exc:
        notice, status = exc.message, 429
    except NotFound:
        raise
    if request.htmx:
        return _results(request, key, notice=notice, status=status)
    return redirect(reverse("proxies:dashboard") + "#proxy-test")


@never_cache
@login_required
@require_GET
def key_tests(request: AuthenticatedHtmxHttpRequest, key_id: int) -> HttpResponse:
    return _results(request, own_key(request, key_id))
