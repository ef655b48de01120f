from django.urls import path, re_path

from . import views, views_api

app_name = "webhooks"

urlpatterns = [
    path("dashboard/api/webhooks/", views.webhooks_page, name="dashboard"),
    re_path(
        r"^dashboard/api/webhooks/(?P<endpoint_id>[0-9]+)/(?P<action>toggle|test|rotate|delete)/$",
        views.webhook_action_view,
        name="dashboard_action",
    ),
    path("api/v1/webhook-endpoints", views_api.WebhookEndpointListView.as_view(), name="endpoints"),
    path("api/v1/webhook-endpoints/<int:endpoint_id>", views_api.WebhookEndpointDetailView.as_view(), name="endpoint"),
    path(
        "api/v1/webhook-endpoints/<int:endpoint_id>/rotate-secret",
        views_api.WebhookEndpointRotateView.as_view(),
        name="endpoint_rotate",
    ),
    path(
        "api/v1/webhook-endpoints/<int:endpoint_id>/test",
        views_api.WebhookEndpointTestView.as_view(),
        name="endpoint_test",
    ),
    path(
        "api/v1/webhook-endpoints/<int:endpoint_id>/deliveries",
        views_api.WebhookDeliveryListView.as_view(),
        name="endpoint_deliveries",
    ),
    path(
        "api/v1/webhook-deliveries/<int:delivery_id>/redeliver",
        views_api.WebhookRedeliverView.as_view(),
        name="redeliver",
    ),
]
