"""Fixtures for the ports app: the real ports client over the in-process simulator, handed to
the services and counting its calls; the sandbox clock; a customer with a port."""

import pytest

from apps.sandbox.upstream.faults import faults_clear
from tests.factories import StaffFactory, UserFactory
from tests.ports.support import sandbox_ports_client, use_ports_client


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
