"""Renewal extends a port once per renewal order, whatever fails: the target expiry is fixed when
the renewal is first seen, so retries and replays send the same absolute time."""

from datetime import timedelta

import pytest

from apps.core.models import AuditEntry
from apps.ports.errors import PortsRetryableError, PortsTerminalError
from apps.ports.models import Port
from apps.ports.services import port_plan_renew, port_release, port_renew
from apps.sandbox.ports.models import SandboxPort
from apps.sandbox.upstream.faults import inject
from apps.sandbox.upstream.models import SandboxIdempotencyRecord
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

RENEW = {"path": "/ports/*/renew", "method": "POST"}


def _renew(port, order_ref="R-1", days=30):
    return port_renew(port=port, days=days, order_ref=order_ref, idempotency_key=f"order-{order_ref}-renew")


def test_a_renewal_extends_the_port_by_its_days(port):
    before = port.expires_at

    delivery = _renew(port)

    port.refresh_from_db()
    assert port.expires_at == before + timedelta(days=30) == delivery.expires_at
    assert SandboxPort.objects.get().expires_at == port.expires_at
    assert AuditEntry.objects.filter(action="port.renew").count() == 1


def test_the_same_renewal_twice_extends_once(port, upstream):
    before = port.expires_at

    _renew(port)
    _renew(port)

    assert SandboxPort.objects.get().expires_at == before + timedelta(days=30)
    assert upstream.calls["renew_port"] == 1


@pytest.mark.parametrize("fault", [{"status": 500}, {"drop": "timeout"}, {"drop": "reset", "phase": "after"}])
def test_a_failed_renewal_retried_extends_once(port, fault):
    before = port.expires_at
    with inject(times=1, **RENEW, **fault), pytest.raises(PortsRetryableError):
        _renew(port)
    SandboxIdempotencyRecord.objects.all().delete()  # no replay to lean on

    _renew(port)

    port.refresh_from_db()
    assert SandboxPort.objects.get().expires_at == port.expires_at == before + timedelta(days=30)


def test_two_renewal_orders_extend_twice_even_when_the_later_lands_first(port, upstream):
    before = port.expires_at
    with inject(times=1, status=503, **RENEW), pytest.raises(PortsRetryableError):
        _renew(port, "R-1")
    _renew(port, "R-2")

    _renew(port, "R-1")  # its target was fixed first and is earlier: nothing left to add

    port.refresh_from_db()
    assert port.expires_at == before + timedelta(days=60)
    assert SandboxPort.objects.get().expires_at == port.expires_at


def test_a_renewal_clears_the_expiry_notices(port):
    Port.objects.filter(pk=port.pk).update(notice_7d_at=port.created_at, notice_1d_at=port.created_at)

    _renew(port)

    port.refresh_from_db()
    assert port.notice_7d_at is None and port.notice_1d_at is None


def test_a_released_port_cannot_be_renewed(port, upstream):
    port_release(port=port, idempotency_key="release-test-1")

    with pytest.raises(PortsTerminalError):
        _renew(port)
    assert upstream.calls["renew_port"] == 0


def _plan_renew(customer, port):
    return port_plan_renew(
        customer=customer, port_id=port.pk, order_ref="R-9", plan_slug="port-shared-30d", idempotency_key="r-9-renew"
    )


def test_plan_renewal_checks_the_owner(port, upstream):
    with pytest.raises(PortsTerminalError):
        port_plan_renew(
            customer=UserFactory(),
            port_id=port.pk,
            order_ref="R-9",
            plan_slug="port-shared-30d",
            idempotency_key="r-9-renew",
        )
    before = port.expires_at

    port_plan_renew(
        customer=port.customer,
        port_id=port.pk,
        order_ref="R-9",
        plan_slug="port-shared-30d",
        idempotency_key="r-9-renew",
    )

    port.refresh_from_db()
    assert port.expires_at == before + timedelta(days=30)
