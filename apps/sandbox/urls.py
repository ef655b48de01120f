"""Sandbox pages, mounted only while a sandbox is active (storefront/urls.py)."""

from django.urls import path

from .payments import views as payments
from .x402 import views as x402

app_name = "sandbox"
urlpatterns = [
    path("checkout/<str:session_id>/", payments.checkout, name="checkout"),
    path("x402/facilitator/<str:endpoint>", x402.facilitator, name="x402_facilitator"),
]
