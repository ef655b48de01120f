"""Helpers for tests that reach the ports upstream (no fixtures here): the real ports client over
the in-process simulator, put in the services' place, and a port made through fulfilment."""

from django.conf import settings

from apps.ports.upstream.client import PortsClient
from apps.sandbox.ports.transport import SandboxPortsTransport
from tests.proxies.fakes import CountingClient


def sandbox_ports_client(*, max_attempts: int = 1, isolated: bool | None = None) -> PortsClient:
    return PortsClient(
        base_url=settings.PROXIES_SX_API_URL,
        api_key=settings.PROXIES_SX_SANDBOX_API_KEY,
        transport=SandboxPortsTransport(sleep=lambda seconds: None, isolated=isolated),
        max_attempts=max_attempts,
        sleep=lambda seconds: None,
    )


def use_ports_client(monkeypatch, client) -> CountingClient:
    spy = client if isinstance(client, CountingClient) else CountingClient(client)
    monkeypatch.setattr("apps.ports.services.client._override", spy)
    return spy


def make_port(customer, *, order_ref: str, sharing: str = "shared", country: str = "DE"):
    """A 30-day port for `customer` made through the fulfilment service (the Port row)."""
    from apps.ports.models import Port
    from apps.ports.services import port_fulfil

    delivery = port_fulfil(
        customer=customer,
        order_ref=order_ref,
        sharing=sharing,
        country=country,
        carrier="",
        days=30,
        idempotency_key=f"order-{order_ref}-port",
    )
    return Port.objects.get(pk=delivery.port_id)
