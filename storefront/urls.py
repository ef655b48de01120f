from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from apps.console.metrics import metrics_view
from apps.core import views as core_views

# admin.site is the console's site (apps/console/site.py): allauth login, two-factor, overview.
urlpatterns = [
    path("", include("apps.core.urls")),
    path("healthz", core_views.healthz, name="healthz"),
    path("metrics", metrics_view, name="metrics"),
    path("accounts/", include("allauth.urls")),
    path("account/", include("apps.accounts.urls")),
    path("", include("apps.customers.urls")),
    path("billing/", include("apps.billing.urls")),
    path("", include("apps.webhooks.urls")),  # API v1 webhook endpoints, before the API's catch-all
    path("", include("apps.api.urls")),
    path("", include("apps.agents.urls")),  # x402: agents pay over HTTP 402 (docs/x402.md)
    path("", include("apps.billing.urls_dashboard")),  # the customer's orders, under /dashboard/
    path("", include("apps.proxies.urls")),
    path("", include("apps.ports.urls")),
    path("admin/", admin.site.urls),
    # The scripts' strings in the page's language: an external script (CSP: script-src 'self').
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
]
if settings.SANDBOX_ACTIVE:
    # The simulators' pages exist only while a sandbox is on (apps.sandbox is installed then too).
    urlpatterns.append(path("sandbox/", include("apps.sandbox.urls")))
