"""Fulfilling a port order against the simulator: one port per order reference, whatever fails
where (faults on the create, a lost reply, a crash between the create and the mirror), with the
port named after the order and found by that name on a retry."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.core.errors import ApplicationError
from apps.core.models import AuditEntry
from apps.ports.errors import PortCapacityError, PortsRetryableError
from apps.ports.models import Port, PortFulfilment
from apps.ports.services import port_display_name_for, port_plan_fulfil
from apps.sandbox.ports.models import SandboxPort
from apps.sandbox.ports.services import sandbox_devices_set_online, sandbox_ports_account_set
from apps.sandbox.upstream.faults import inject
from apps.sandbox.upstream.models import SandboxIdempotencyRecord
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CREATE = {"path": "/ports", "method": "POST"}


def only_upstream_port() -> SandboxPort:
    ports = list(SandboxPort.objects.all())
    assert len(ports) == 1, [p.display_name for p in ports]
    return ports[0]


def test_a_paid_order_gets_one_port_with_the_plan_options(customer, fulfil, upstream):
    delivery = fulfil(customer, order_ref="A-1", sharing="private", country="PL")

    port = Port.objects.get(pk=delivery.port_id)
    upstream_port = only_upstream_port()
    assert (port.customer, port.sharing, port.country_code) == (customer, "private", "PL")
    assert port.upstream_id == upstream_port.public_id == delivery.upstream_id
    assert port.display_name == upstream_port.display_name == f"sf-u{customer.pk}-A-1"
    assert port.login == upstream_port.login and port.server_ip == upstream_port.server_ip
    assert port.create_order_ref == "A-1" and not delivery.adopted
    assert upstream.calls["create_port"] == 1
    assert AuditEntry.objects.filter(action="port.create", target_id=str(port.pk)).count() == 1


def test_the_password_is_not_stored_anywhere_in_the_mirror(customer, fulfil):
    fulfil(customer)
    password = only_upstream_port().password

    port = Port.objects.get()
    stored = " ".join(str(value) for value in vars(port).values())
    assert password not in stored
    assert not any(password in str(entry.data) for entry in AuditEntry.objects.all())


def test_calling_again_returns_the_same_port_without_an_upstream_call(customer, fulfil, upstream):
    first = fulfil(customer)
    calls = sum(upstream.calls.values())

    second = fulfil(customer)

    assert second == first
    assert sum(upstream.calls.values()) == calls
    assert Port.objects.count() == 1


@pytest.mark.parametrize(
    "fault",
    [{"status": 500}, {"status": 503}, {"drop": "timeout"}, {"drop": "reset"}, {"drop": "refused"}],
    ids=lambda f: "-".join(str(v) for v in f.values()),
)
def test_a_failed_create_is_retryable_and_the_retry_makes_one_port(customer, fulfil, fault):
    with inject(times=1, **CREATE, **fault), pytest.raises(PortsRetryableError):
        fulfil(customer)
    assert Port.objects.count() == 0

    delivery = fulfil(customer)

    assert Port.objects.get().upstream_id == only_upstream_port().public_id == delivery.upstream_id


@pytest.mark.parametrize("drop", ["timeout", "reset"])
def test_a_lost_create_reply_is_adopted_by_name_even_without_the_replay(customer, fulfil, upstream, drop):
    with inject(times=1, drop=drop, phase="after", **CREATE), pytest.raises(PortsRetryableError):
        fulfil(customer)
    assert SandboxPort.objects.count() == 1 and Port.objects.count() == 0
    SandboxIdempotencyRecord.objects.all().delete()  # the upstream may not replay (contract A3)

    delivery = fulfil(customer)

    assert delivery.adopted
    assert Port.objects.get().upstream_id == only_upstream_port().public_id
    assert upstream.calls["create_port"] == 1
    assert AuditEntry.objects.filter(action="port.adopt").count() == 1


def test_a_crash_between_create_and_mirror_is_healed_by_adoption(customer, fulfil, upstream, monkeypatch):
    from apps.ports.services import fulfil as module

    real_adopt = module._adopt

    def crash(*args, **kwargs):
        raise SystemExit("worker killed")

    monkeypatch.setattr(module, "_adopt", crash)
    with pytest.raises(SystemExit):
        fulfil(customer)
    assert SandboxPort.objects.count() == 1 and Port.objects.count() == 0
    monkeypatch.setattr(module, "_adopt", real_adopt)

    delivery = fulfil(customer)

    assert delivery.adopted
    assert Port.objects.get().upstream_id == only_upstream_port().public_id
    assert upstream.calls["create_port"] == 1


def test_a_failed_read_after_create_is_healed_by_adoption(customer, fulfil, upstream):
    with inject(times=1, status=502, path="/ports/*", method="GET"), pytest.raises(PortsRetryableError):
        fulfil(customer)

    fulfil(customer)

    assert Port.objects.count() == 1 and SandboxPort.objects.count() == 1
    assert upstream.calls["create_port"] == 1


def test_a_failed_lookup_by_name_is_retried_too(customer, fulfil, upstream):
    with inject(times=1, drop="reset", phase="after", **CREATE), pytest.raises(PortsRetryableError):
        fulfil(customer)
    with inject(times=1, status=500, path="/ports", method="GET"), pytest.raises(PortsRetryableError):
        fulfil(customer)

    fulfil(customer)

    assert Port.objects.count() == 1 and SandboxPort.objects.count() == 1


def test_an_attempt_in_progress_holds_off_a_second_one(customer, fulfil, upstream):
    claim = PortFulfilment.objects.create(
        order_ref="1001",
        customer=customer,
        idempotency_key="order-1001-port",
        display_name=port_display_name_for(customer=customer, order_ref="1001"),
        sharing="shared",
        country_code="DE",
        days=30,
        attempts=1,
        lease_until=timezone.now() + timedelta(minutes=5),
    )

    with pytest.raises(PortsRetryableError):
        fulfil(customer)

    assert upstream.calls["create_port"] == 0
    claim.refresh_from_db()
    assert claim.port is None


def test_no_slot_is_terminal_and_creates_nothing(customer, fulfil, upstream):
    sandbox_ports_account_set(private_slots=0)

    with pytest.raises(PortCapacityError) as caught:
        fulfil(customer, sharing="private")

    assert caught.value.reason == "slots"
    assert SandboxPort.objects.count() == 0 and Port.objects.count() == 0


def test_no_free_device_in_the_country_is_terminal(customer, fulfil, upstream):
    sandbox_devices_set_online(country_code="GB", online=False)

    with pytest.raises(PortCapacityError) as caught:
        fulfil(customer, country="GB")

    assert caught.value.reason == "devices"
    assert upstream.calls["create_port"] == 0


def test_any_country_picks_one_with_free_devices_and_a_carrier_narrows_it(customer, fulfil):
    anywhere = Port.objects.get(pk=fulfil(customer, order_ref="any", country="").port_id)
    o2 = Port.objects.get(pk=fulfil(customer, order_ref="o2", country="DE", carrier="o2").port_id)

    assert anywhere.country_code in {"DE", "GB", "US", "PL"}
    assert (o2.country_code, o2.carrier) == ("DE", "O2")


def test_an_order_reference_belongs_to_one_customer(customer, fulfil):
    fulfil(customer)

    with pytest.raises(ApplicationError):
        fulfil(UserFactory())
    with pytest.raises(ApplicationError):
        fulfil(customer, sharing="private")
    assert Port.objects.count() == 1


def test_long_order_references_still_give_a_valid_unique_name(customer):
    a = port_display_name_for(customer=customer, order_ref="x" * 80 + "a")
    b = port_display_name_for(customer=customer, order_ref="x" * 80 + "b")

    assert a != b and len(a) <= 64 and len(b) <= 64


def test_a_plan_slug_fulfils_with_the_plans_options(customer, upstream):
    delivery = port_plan_fulfil(
        customer=customer, order_ref="P-1", plan_slug="port-private-30d", idempotency_key="order-P-1-port"
    )

    port = Port.objects.get(pk=delivery.port_id)
    assert port.sharing == "private"
    assert (port.expires_at - port.created_at).days in (29, 30)
    with pytest.raises(ApplicationError):
        port_plan_fulfil(customer=customer, order_ref="P-2", plan_slug="nope", idempotency_key="order-P-2-port")
