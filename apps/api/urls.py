from django.urls import include, path, re_path

from .urls_ports import port_urls
from .views import account, catalog, dashboard, keys, meta, orders, proxy_tests, proxy_urls, sessions

app_name = "api"

v1 = [
    path("me", account.MeView.as_view(), name="me"),
    path("plans", catalog.PlanListView.as_view(), name="plans"),
    path("stock", catalog.StockView.as_view(), name="stock"),
    path("incidents", catalog.IncidentListView.as_view(), name="incidents"),
    path("countries", catalog.CountryListView.as_view(), name="countries"),
    path("keys", keys.KeyListView.as_view(), name="keys"),
    path("keys/<int:key_id>", keys.KeyDetailView.as_view(), name="key"),
    path("keys/<int:key_id>/usage", keys.KeyUsageView.as_view(), name="key_usage"),
    path("keys/<int:key_id>/reveal", keys.KeyRevealView.as_view(), name="key_reveal"),
    path("keys/<int:key_id>/regenerate", keys.KeyRegenerateView.as_view(), name="key_regenerate"),
    path("keys/<int:key_id>/test", proxy_tests.KeyTestView.as_view(), name="key_test"),
    path("keys/<int:key_id>/tests", proxy_tests.KeyTestListView.as_view(), name="key_tests"),
    path("proxy-urls", proxy_urls.ProxyUrlsView.as_view(), name="proxy_urls"),
    path("sessions", sessions.SessionListView.as_view(), name="sessions"),
    path("sessions/<path:session_key>", sessions.SessionDetailView.as_view(), name="session"),
    path("orders", orders.OrderListView.as_view(), name="orders"),
    path("orders/<str:order_id>", orders.OrderDetailView.as_view(), name="order"),
    *port_urls,
    path("openapi.json", meta.OpenApiView.as_view(), name="openapi"),
]

urlpatterns = [
    path("api/v1/", include(v1)),
    path("api/docs/", meta.api_docs, name="docs"),
    re_path(r"^api(?:/.*)?$", meta.UnknownEndpointView.as_view(), name="unknown"),
    path("dashboard/api/", dashboard.api_keys_page, name="dashboard"),
    path("dashboard/api/<int:key_id>/revoke/", dashboard.api_key_revoke_view, name="dashboard_revoke"),
]
