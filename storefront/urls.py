from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from apps.core import views as core_views

# The admin login goes through allauth: rate limits and two-factor auth apply to it too.
admin.site.login = secure_admin_login(admin.site.login)
admin.site.site_header = "Storefront console"

urlpatterns = [
    path("", include("apps.core.urls")),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("account/", include("apps.accounts.urls")),
    path("billing/", include("apps.billing.urls")),
    path("", include("apps.api.urls")),
    path("", include("apps.proxies.urls")),
    path("admin/", admin.site.urls),
]
