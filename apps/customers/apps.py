from django.apps import AppConfig


class CustomersConfig(AppConfig):
    """A customer's whole life across the products: their data export, account deletion, and the
    operator's deactivation. Above billing (it reads orders and invoices) and the products."""

    name = "apps.customers"
    label = "customers"
