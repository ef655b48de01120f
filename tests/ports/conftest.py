"""Fixtures for the ports app: the real ports client over the in-process simulator, handed to
the services and counting its calls; the sandbox clock; a customer with a port."""

import pytest
from django.conf import settings

from apps.ports.upstream.client import PortsClient
from apps.sandbox.ports.transport import SandboxPortsTransport
from apps.sandbox.upstream.faults import faults_clear
from tests.factories import StaffFactory, UserFactory
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


@pytest.fixture
def upstream(db, monkeypatch):
    """One attempt per call: a fault reaches the service, whose caller (billing, a view) retries."""
    faults_clear()
    return use_ports_client(monkeypatch, sandbox_ports_client())


@pytest.fixture
def customer(db):
    return UserFactory()


@pytest.fixture
def operator(db):
    return StaffFactory()


@pytest.fixture
def fulfil(upstream):
    from apps.ports.services import port_fulfil

    def _fulfil(customer, *, order_ref="1001", sharing="shared", country="DE", carrier="", days=30, key=None):
        return port_fulfil(
            customer=customer,
            order_ref=order_ref,
            sharing=sharing,
            country=country,
            carrier=carrier,
            days=days,
            idempotency_key=key or f"order-{order_ref}-port",
        )

    return _fulfil


@pytest.fixture
def port(customer, fulfil):
    """A customer's shared port in Germany, 30 days (the Port row)."""
    from apps.ports.models import Port

    return Port.objects.get(pk=fulfil(customer).port_id)
