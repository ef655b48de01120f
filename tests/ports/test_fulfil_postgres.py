"""The fault matrix on PostgreSQL, with the simulator on its own connection (its writes survive
the caller's failures, as a real upstream's do): exactly one port per order reference under
upstream 500s, timeouts and resets at create, a crash after create, and many attempts at once;
a renewal extends once however often it is retried or raced."""

import threading
from datetime import timedelta

import pytest
from django.db import connections

from apps.ports.errors import PortsRetryableError
from apps.ports.models import Port
from apps.ports.services import port_fulfil, port_renew
from apps.sandbox.ports.models import SandboxPort
from apps.sandbox.upstream.faults import faults_clear, inject
from apps.sandbox.upstream.models import SandboxIdempotencyRecord
from tests.factories import UserFactory
from tests.ports.support import sandbox_ports_client, use_ports_client

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CREATE = {"path": "/ports", "method": "POST"}
THREADS = 12
# Every write fault: refused before the change, or made and then the reply lost or an error.
FAULTS = [
    {"status": 500},
    {"status": 502, "phase": "after"},
    {"drop": "timeout"},
    {"drop": "timeout", "phase": "after"},
    {"drop": "reset"},
    {"drop": "reset", "phase": "after"},
]


def fault_id(fault: dict) -> str:
    return "-".join(str(v) for v in fault.values())


@pytest.fixture
def upstream(monkeypatch):
    faults_clear()
    return use_ports_client(monkeypatch, sandbox_ports_client(max_attempts=1, isolated=True))


@pytest.fixture
def customer():
    return UserFactory()


def fulfil(customer, order_ref="7001"):
    return port_fulfil(
        customer=customer,
        order_ref=order_ref,
        sharing="shared",
        country="DE",
        carrier="",
        days=30,
        idempotency_key=f"order-{order_ref}-port",
    )


def run_concurrently(count: int, work) -> list:
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def target(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except BaseException as exc:  # reported by the caller
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def assert_exactly_one_port(customer) -> None:
    upstream_ports = list(SandboxPort.objects.all())
    assert len(upstream_ports) == 1, [p.display_name for p in upstream_ports]
    mirror = Port.objects.get()
    assert (mirror.upstream_id, mirror.customer_id) == (upstream_ports[0].public_id, customer.pk)


@pytest.mark.parametrize(
    "fault",
    FAULTS,
    ids=fault_id,
)
def test_one_port_per_order_under_faults_at_create(upstream, customer, fault):
    with inject(times=1, **CREATE, **fault), pytest.raises(PortsRetryableError):
        fulfil(customer)
    SandboxIdempotencyRecord.objects.all().delete()  # past the replay window: only the name helps

    first = fulfil(customer)
    again = fulfil(customer)

    assert (first.port_id, first.upstream_id) == (again.port_id, again.upstream_id)
    assert_exactly_one_port(customer)


def test_a_crash_after_create_is_adopted_not_repeated(upstream, customer, monkeypatch):
    from apps.ports.services import fulfil as module

    real = module._adopt

    def crash(*args, **kwargs):
        raise SystemExit("worker killed between the create and the mirror")

    monkeypatch.setattr(module, "_adopt", crash)
    with pytest.raises(SystemExit):
        fulfil(customer)
    monkeypatch.setattr(module, "_adopt", real)
    SandboxIdempotencyRecord.objects.all().delete()

    delivery = fulfil(customer)

    assert delivery.adopted
    assert_exactly_one_port(customer)
    assert upstream.calls["create_port"] == 1


def test_many_attempts_at_once_make_one_port(upstream, customer):
    results = run_concurrently(THREADS, lambda i: fulfil(customer))

    unexpected = [r for r in results if isinstance(r, BaseException) and not isinstance(r, PortsRetryableError)]
    assert not unexpected, unexpected
    delivered = {r.upstream_id for r in results if not isinstance(r, BaseException)}
    assert len(delivered) <= 1
    final = fulfil(customer)
    assert delivered <= {final.upstream_id}
    assert_exactly_one_port(customer)


def test_many_orders_at_once_each_get_their_own_port(upstream, customer):
    results = run_concurrently(4, lambda i: fulfil(customer, order_ref=f"80{i}"))

    assert not [r for r in results if isinstance(r, BaseException)], results
    assert SandboxPort.objects.count() == Port.objects.count() == 4


def test_a_renewal_raced_and_retried_extends_once(upstream, customer):
    port = Port.objects.get(pk=fulfil(customer).port_id)
    before = port.expires_at

    def renew(i: int):
        return port_renew(
            port=Port.objects.get(pk=port.pk), days=30, order_ref="R-1", idempotency_key="order-R-1-renew"
        )

    with inject(times=2, status=503, path="/ports/*/renew", method="POST"):
        run_concurrently(6, renew)
    SandboxIdempotencyRecord.objects.all().delete()
    renew(0)
    renew(0)

    port.refresh_from_db()
    assert port.expires_at == before + timedelta(days=30)
    assert SandboxPort.objects.get().expires_at == port.expires_at


def test_two_renewal_orders_at_once_extend_twice(upstream, customer):
    port = Port.objects.get(pk=fulfil(customer).port_id)
    before = port.expires_at

    results = run_concurrently(
        2,
        lambda i: port_renew(
            port=Port.objects.get(pk=port.pk), days=30, order_ref=f"R-{i}", idempotency_key=f"order-R-{i}-renew"
        ),
    )

    assert not [r for r in results if isinstance(r, BaseException)], results
    assert SandboxPort.objects.get().expires_at == before + timedelta(days=60)


# A renewal the customer bought: billing hands the product a FulfilmentRequest naming the port.

RENEW = {"path": "/ports/*/renew", "method": "POST"}


@pytest.fixture
def port_plans():
    """Transactional tests flush the data migration's rows; the default port plans come back."""
    from apps.ports.models import PortPlan

    for slug, sharing in (("port-shared-30d", "shared"), ("port-private-30d", "private")):
        PortPlan.objects.get_or_create(plan_slug=slug, defaults={"sharing": sharing, "period_days": 30})


def renewal_order(port, order_ref="RO-1", attempt=1):
    from decimal import Decimal

    from django.utils import timezone

    from apps.core.fulfilment import FulfilmentRequest
    from apps.ports.fulfilment import DedicatedPort

    return DedicatedPort().fulfil(
        FulfilmentRequest(
            customer_id=port.customer_id,
            order_ref=order_ref,
            quantity=Decimal("1"),
            days=30,
            idempotency_key=f"order-{order_ref}",
            attempt=attempt,
            first_attempt_at=timezone.now(),
            target_ref=str(port.pk),
            plan_slug="port-shared-30d",
        )
    )


@pytest.mark.parametrize(
    "fault",
    FAULTS,
    ids=fault_id,
)
def test_a_renewal_order_extends_once_under_faults(upstream, customer, port_plans, fault):
    port = Port.objects.get(pk=fulfil(customer).port_id)
    before = port.expires_at

    with inject(times=1, **RENEW, **fault), pytest.raises(PortsRetryableError):
        renewal_order(port)
    SandboxIdempotencyRecord.objects.all().delete()  # past the replay window: the fixed target helps
    first = renewal_order(port, attempt=2)
    again = renewal_order(port, attempt=3)  # a redelivered paid event, a reconciler pass

    port.refresh_from_db()
    assert first.ref == again.ref == str(port.pk)
    assert port.expires_at == before + timedelta(days=30)
    assert SandboxPort.objects.get().expires_at == port.expires_at
    assert_exactly_one_port(customer)


def test_a_renewal_order_delivered_by_many_workers_at_once_extends_once(upstream, customer, port_plans):
    port = Port.objects.get(pk=fulfil(customer).port_id)
    before = port.expires_at

    results = run_concurrently(6, lambda i: renewal_order(port, attempt=i + 1))

    unexpected = [r for r in results if isinstance(r, BaseException) and not isinstance(r, PortsRetryableError)]
    assert not unexpected, unexpected
    renewal_order(port, attempt=7)
    assert SandboxPort.objects.get().expires_at == before + timedelta(days=30)
    assert_exactly_one_port(customer)
