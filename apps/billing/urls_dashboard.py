"""The customer's order pages, under /dashboard/ next to their proxy (storefront/urls.py mounts
this at the root; the rest of billing lives under /billing/)."""

from django.urls import path

from . import views_invoices, views_orders

app_name = "orders"
urlpatterns = [
    path("dashboard/status/", views_orders.provisioning_status_panel, name="provisioning"),
    path("dashboard/orders/", views_orders.order_list, name="list"),
    path("dashboard/orders/<uuid:public_id>/", views_orders.order_receipt, name="receipt"),
    path("dashboard/orders/<uuid:public_id>/invoice/", views_invoices.invoice_view, name="invoice"),
]
