"""The fault matrix for dedicated ports through billing, on PostgreSQL with the simulator on its
own connection (its writes survive the caller's failures, as a real upstream's do): a paid port
order heals into exactly one port whatever fails at create, and a paid renewal extends the port
once whatever fails at renew, through the provisioning job, the reconciler and redelivered
payment events."""

from datetime import timedelta
from decimal import Decimal

import pytest

from apps.billing.models import Order, Plan
from apps.billing.services import checkout_start
from apps.ports.models import Port, PortPlan
from apps.sandbox.payments.models import SandboxCheckoutSession
from apps.sandbox.ports.models import SandboxPort
from apps.sandbox.upstream.faults import faults_clear, inject
from apps.sandbox.upstream.models import SandboxIdempotencyRecord
from tests.ports.support import sandbox_ports_client, use_ports_client

from .stripe_events import completed_paid, post_event
from .support import reconcile_later

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CREATE = {"path": "/ports", "method": "POST"}
RENEW = {"path": "/ports/*/renew", "method": "POST"}
FAULTS = [
    {"status": 500},
    {"status": 502, "phase": "after"},
    {"drop": "timeout"},
    {"drop": "timeout", "phase": "after"},  # the port is made, the reply is lost
    {"drop": "reset"},
    {"drop": "reset", "phase": "after"},
]


def fault_id(fault: dict) -> str:
    return "-".join(str(v) for v in fault.values())


@pytest.fixture(autouse=True)
def ports_upstream(monkeypatch):
    faults_clear()
    yield use_ports_client(monkeypatch, sandbox_ports_client(isolated=True))
    faults_clear()


@pytest.fixture
def port_plan():
    """Transactional tests flush the data migration's rows: the shared port plan comes back."""
    plan, _ = Plan.objects.get_or_create(
        slug="port-shared-30d",
        defaults={
            "name": "Shared mobile port",
            "product_kind": "dedicated_port",
            "gb": Decimal(1),
            "price": Decimal("60.00"),
            "currency": "usd",
            "validity_days": 30,
        },
    )
    PortPlan.objects.get_or_create(plan_slug=plan.slug, defaults={"sharing": "shared", "period_days": 30})
    return plan


def pay(client, customer, plan, target_ref: str = "", fault: dict | None = None) -> tuple[Order, dict]:
    order = checkout_start(customer=customer, plan=plan, target_ref=target_ref).order
    event = completed_paid(SandboxCheckoutSession.objects.get(order=order))
    if fault is None:
        post_event(client, event)
    else:
        with inject(times=1, **fault):
            post_event(client, event)
    order.refresh_from_db()
    return order, event


@pytest.mark.parametrize("fault", FAULTS, ids=fault_id)
def test_a_paid_port_order_heals_into_exactly_one_port(client, customer, port_plan, fault):
    order, event = pay(client, customer, port_plan, fault={**CREATE, **fault})
    assert order.status == Order.Status.PAID and order.provisioning_error
    SandboxIdempotencyRecord.objects.all().delete()  # past the replay window: only the port's name helps

    reconcile_later()
    post_event(client, event)  # the paid event redelivered
    reconcile_later(60)

    order.refresh_from_db()
    assert order.status == Order.Status.PROVISIONED
    assert SandboxPort.objects.count() == 1
    port = Port.objects.get()
    assert (port.upstream_id, port.customer_id) == (SandboxPort.objects.get().public_id, customer.pk)
    assert order.fulfilment_ref == str(port.pk)


@pytest.mark.parametrize("fault", FAULTS, ids=fault_id)
def test_a_paid_renewal_extends_the_port_once(client, customer, port_plan, fault):
    bought, _ = pay(client, customer, port_plan)
    port = Port.objects.get(pk=int(bought.fulfilment_ref))
    before = port.expires_at

    renewal, event = pay(client, customer, port_plan, target_ref=str(port.pk), fault={**RENEW, **fault})
    assert renewal.status == Order.Status.PAID and renewal.provisioning_error
    SandboxIdempotencyRecord.objects.all().delete()

    reconcile_later()
    post_event(client, event)
    reconcile_later(60)

    renewal.refresh_from_db()
    port.refresh_from_db()
    assert renewal.status == Order.Status.PROVISIONED and renewal.fulfilment_ref == str(port.pk)
    assert port.expires_at == before + timedelta(days=30)
    assert SandboxPort.objects.get().expires_at == port.expires_at
    assert Port.objects.count() == 1
