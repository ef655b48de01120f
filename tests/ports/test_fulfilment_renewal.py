"""Customer-started renewals through the product billing sells: checkout asks `target_check`
before making an order that names a port, and the paid order's FulfilmentRequest carries the
port as `target_ref`, which extends that port by the plan's period, once, and never creates a
second port."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.core.errors import ApplicationError, TerminalError
from apps.core.fulfilment import FulfilmentRequest
from apps.core.models import AuditEntry
from apps.ports.errors import PortRenewalRefused
from apps.ports.fulfilment import DedicatedPort
from apps.ports.models import Port, PortRenewal
from apps.ports.services import port_block, port_release
from apps.sandbox.ports.models import SandboxPort
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PRODUCT = DedicatedPort()


def renewal_request(port, *, order_ref="R-100", plan_slug="port-shared-30d", target_ref=None, customer_id=None):
    return FulfilmentRequest(
        customer_id=customer_id or port.customer_id,
        order_ref=order_ref,
        quantity=Decimal("1"),
        days=30,
        idempotency_key=f"order-{order_ref}",
        attempt=1,
        first_attempt_at=timezone.now(),
        target_ref=str(port.pk) if target_ref is None else target_ref,
        plan_slug=plan_slug,
    )


def test_a_renewal_order_extends_the_port_it_names_by_the_plan_period(port, upstream):
    before = port.expires_at

    delivery = PRODUCT.fulfil(renewal_request(port))

    port.refresh_from_db()
    assert delivery.ref == str(port.pk)
    assert delivery.audit["action"] == "renew"
    assert port.expires_at == before + timedelta(days=30)
    assert SandboxPort.objects.get().expires_at == port.expires_at
    assert upstream.calls["create_port"] == 1  # the port's own create, nothing more
    assert Port.objects.count() == 1


def test_the_same_renewal_order_delivered_twice_extends_once(port, upstream):
    before = port.expires_at

    PRODUCT.fulfil(renewal_request(port))
    again = PRODUCT.fulfil(renewal_request(port))

    port.refresh_from_db()
    assert port.expires_at == before + timedelta(days=30)
    assert again.ref == str(port.pk)
    assert upstream.calls["renew_port"] == 1
    assert PortRenewal.objects.get().order_ref == "R-100"
    assert AuditEntry.objects.filter(action="port.renew").count() == 1


def test_two_renewal_orders_extend_twice(port):
    before = port.expires_at

    PRODUCT.fulfil(renewal_request(port, order_ref="R-1"))
    PRODUCT.fulfil(renewal_request(port, order_ref="R-2"))

    port.refresh_from_db()
    assert port.expires_at == before + timedelta(days=60)


def test_a_renewal_of_someone_elses_port_fails_and_creates_nothing(port, upstream):
    stranger = UserFactory()

    with pytest.raises(TerminalError):
        PRODUCT.fulfil(renewal_request(port, customer_id=stranger.pk))

    assert Port.objects.count() == SandboxPort.objects.count() == 1
    assert upstream.calls["renew_port"] == 0


def test_a_target_that_is_not_a_port_id_fails_instead_of_creating_a_port(port, upstream):
    with pytest.raises(TerminalError):
        PRODUCT.fulfil(renewal_request(port, target_ref="pk_123"))

    assert upstream.calls["create_port"] == 1


def test_the_renewal_is_described_as_an_extension(port):
    PRODUCT.fulfil(renewal_request(port))

    view = PRODUCT.describe(ref=str(port.pk), order_ref="R-100")

    assert view.summary == "renewal extended your port" and view.decision == "Renew the port"


# target_check: asked by checkout before any order exists.


def test_target_check_accepts_the_customers_own_live_port(port):
    PRODUCT.target_check(customer_id=port.customer_id, target_ref=str(port.pk))
    PRODUCT.target_check(customer_id=port.customer_id, target_ref=str(port.pk), plan_slug="port-shared-30d")


def test_target_check_accepts_an_expired_port_not_yet_released(port):
    Port.objects.filter(pk=port.pk).update(expires_at=timezone.now() - timedelta(hours=1))

    PRODUCT.target_check(customer_id=port.customer_id, target_ref=str(port.pk))


def test_no_target_means_a_new_port_and_needs_no_check(customer):
    for target_ref in ("", "new"):
        PRODUCT.target_check(customer_id=customer.pk, target_ref=target_ref)  # does not raise


@pytest.mark.parametrize("target_ref", ["abc", "999999", "-1"])
def test_target_check_refuses_a_port_that_does_not_exist(customer, target_ref):
    with pytest.raises(PortRenewalRefused) as refused:
        PRODUCT.target_check(customer_id=customer.pk, target_ref=target_ref)

    assert refused.value.message == "There is no such port on your account to renew."


def test_target_check_refuses_someone_elses_port_like_a_missing_one(port):
    with pytest.raises(PortRenewalRefused) as refused:
        PRODUCT.target_check(customer_id=UserFactory().pk, target_ref=str(port.pk))

    assert refused.value.message == "There is no such port on your account to renew."


def test_target_check_refuses_a_released_port(port):
    port_release(port=port, idempotency_key="release-check-1")

    with pytest.raises(PortRenewalRefused) as refused:
        PRODUCT.target_check(customer_id=port.customer_id, target_ref=str(port.pk))

    assert "released" in refused.value.message


def test_target_check_refuses_a_blocked_port(port):
    port_block(port=port, idempotency_key="block-check-1", reason="test")

    with pytest.raises(PortRenewalRefused):
        PRODUCT.target_check(customer_id=port.customer_id, target_ref=str(port.pk))


def test_target_check_refuses_a_plan_of_the_other_kind(port):
    with pytest.raises(PortRenewalRefused) as refused:
        PRODUCT.target_check(customer_id=port.customer_id, target_ref=str(port.pk), plan_slug="port-private-30d")

    assert refused.value.message == "This is a shared port: renew it with a shared port plan."


def test_the_refusal_is_an_application_error_with_the_customers_message(customer):
    with pytest.raises(ApplicationError) as refused:
        PRODUCT.target_check(customer_id=customer.pk, target_ref="1")

    assert isinstance(refused.value, PortRenewalRefused)
    assert "port_ref" not in refused.value.message
