from django.urls import path

from . import views, webhooks

app_name = "billing"
urlpatterns = [
    path("checkout/<slug:slug>/", views.checkout, name="checkout"),
    path("orders/<uuid:public_id>/status/", views.order_status, name="order_status"),
    path("orders/<uuid:public_id>/cancel/", views.order_cancel, name="order_cancel"),
    path("orders/<uuid:public_id>/pay/", views.order_resume, name="order_resume"),
    # Stripe's endpoint as configured in its dashboard (the sandbox answers it while it is on).
    path("stripe/webhook/", webhooks.provider_webhook, {"provider": "stripe"}, name="stripe_webhook"),
    path("webhooks/<slug:provider>/", webhooks.provider_webhook, name="provider_webhook"),
]
