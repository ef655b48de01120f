"""Dedicated ports sold through billing's product registry: the same checkout, the sandbox's
payment and the in-process ports simulator (settings.BILLING_PRODUCTS["dedicated_port"])."""

from decimal import Decimal

import pytest

from apps.billing.models import Order, Plan
from apps.billing.products import product_available, product_get
from apps.billing.services import checkout_start
from apps.core.errors import ApplicationError
from apps.core.models import AuditEntry
from apps.ports.models import Port, PortPlan
from apps.sandbox.payments.models import SandboxCheckoutSession
from apps.sandbox.ports.models import SandboxPort
from apps.sandbox.ports.services import sandbox_devices_set_online, sandbox_ports_account_set
from apps.sandbox.upstream.faults import faults_clear
from tests.ports.support import make_port, sandbox_ports_client, use_ports_client

from .stripe_events import charge_refunded, completed_paid, post_event


@pytest.fixture(autouse=True)
def ports_upstream(db, monkeypatch):
    faults_clear()
    return use_ports_client(monkeypatch, sandbox_ports_client())


@pytest.fixture
def port_plan(db):
    return Plan.objects.get(slug="port-shared-30d")


def test_the_default_port_plans_are_on_sale():
    plans = Plan.objects.filter(product_kind="dedicated_port", active=True).order_by("price")
    assert [(p.slug, p.price, p.gb) for p in plans] == [
        ("port-shared-30d", Decimal("60.00"), Decimal("1.00")),
        ("port-private-30d", Decimal("120.00"), Decimal("1.00")),
    ]
    assert product_get("dedicated_port").unit == "port"


@pytest.mark.postgres
def test_buying_a_port_plan_creates_exactly_one_port(client, start_checkout, customer, port_plan):
    order, session = start_checkout(for_plan=port_plan)
    event = completed_paid(session)
    assert post_event(client, event).status_code == 200
    order.refresh_from_db()

    assert order.status == Order.Status.PROVISIONED
    port = Port.objects.get()
    assert (port.customer, port.sharing, port.create_order_ref) == (customer, "shared", order.reference)
    assert order.fulfilment_ref == str(port.pk)

    assert post_event(client, event).status_code == 200  # the paid event redelivered
    assert Port.objects.count() == 1
    assert SandboxPort.objects.count() == 1


@pytest.mark.postgres
def test_a_full_refund_blocks_the_port_once(client, buy, port_plan):
    order = buy(for_plan=port_plan)
    assert order.status == Order.Status.PROVISIONED
    event = charge_refunded(order, amount_refunded=order.price)

    post_event(client, event)
    post_event(client, event)  # redelivered

    port = Port.objects.get()
    assert port.blocked_at is not None
    assert AuditEntry.objects.filter(action="port.block").count() == 1


def test_checkout_refuses_a_port_plan_without_a_free_slot(customer, port_plan):
    sandbox_ports_account_set(shared_slots=0)

    with pytest.raises(ApplicationError) as refused:
        checkout_start(customer=customer, plan=port_plan)

    assert refused.value.message.startswith("No port of this type is available right now.")
    assert "Nothing was charged" in refused.value.message
    assert not Order.objects.exists()
    assert not SandboxCheckoutSession.objects.exists()
    assert not Port.objects.exists()


def test_checkout_refuses_a_port_plan_whose_country_has_no_free_device(customer, port_plan):
    PortPlan.objects.filter(plan_slug=port_plan.slug).update(country_code="DE")
    sandbox_devices_set_online(country_code="DE", online=False)

    with pytest.raises(ApplicationError) as refused:
        checkout_start(customer=customer, plan=port_plan)

    assert "Nothing was charged" in refused.value.message
    assert not Order.objects.exists()
    assert not SandboxCheckoutSession.objects.exists()
    assert not SandboxPort.objects.exists()


def test_checkout_refuses_renewing_a_port_with_a_plan_of_the_other_kind(customer, port_plan):
    port = make_port(customer, order_ref="P-1", sharing="shared")
    private = Plan.objects.get(slug="port-private-30d")

    with pytest.raises(ApplicationError) as refused:
        checkout_start(customer=customer, plan=private, target_ref=str(port.pk))

    assert refused.value.message == "This is a shared port: renew it with a shared port plan."
    assert not Order.objects.exists()
    assert not SandboxCheckoutSession.objects.exists()


def test_a_renewal_needs_no_free_slot(customer, port_plan):
    port = make_port(customer, order_ref="P-1", sharing="shared")
    sandbox_ports_account_set(shared_slots=0)

    start = checkout_start(customer=customer, plan=port_plan, target_ref=str(port.pk))

    assert start.order.target_ref == str(port.pk)
    assert SandboxCheckoutSession.objects.filter(order=start.order).exists()


def test_pool_traffic_is_always_available(plan):
    assert product_available("pool_traffic", plan_slug=plan.slug) == (True, "")


def test_the_pricing_page_prices_port_plans_per_port(client, plan, pro_plan):
    html = client.get("/").content.decode()

    assert "Shared mobile port" in html and "$60.00 per port" in html
    assert "save 28%" in html  # pool plans still compare among themselves only
