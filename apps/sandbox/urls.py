"""Sandbox pages, mounted only while a sandbox is active (storefront/urls.py)."""

from django.urls import path

from .payments import views as payments

app_name = "sandbox"
urlpatterns = [
    path("checkout/<str:session_id>/", payments.checkout, name="checkout"),
]
