from django.urls import path

from . import views, webhooks

app_name = "billing"
urlpatterns = [
    path("checkout/<slug:slug>/", views.checkout, name="checkout"),
    path("orders/<uuid:public_id>/status/", views.order_status, name="order_status"),
    path("orders/<uuid:public_id>/cancel/", views.order_cancel, name="order_cancel"),
    path("stripe/webhook/", webhooks.stripe_webhook, name="stripe_webhook"),
]
