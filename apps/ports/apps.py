from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class PortsConfig(AppConfig):
    """Dedicated mobile ports (docs/ports-contract.md). Sits above proxies (it reuses the pool
    client's engine) and below billing (which fulfils port plans through its services)."""

    name = "apps.ports"
    label = "ports"
    verbose_name = gettext_lazy("Ports")
