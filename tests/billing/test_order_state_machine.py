"""The order state machine: allowed transitions happen (audited, timestamped), everything else
raises, and a transition to the current state is a no-op."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from apps.billing.models import Order
from apps.billing.services import (
    TRANSITIONS,
    IllegalTransition,
    order_expire,
    order_mark_payment_failed,
    order_transition,
    payment_confirm,
)
from apps.core.models import AuditEntry

from .factories import OrderFactory, PaymentFactory, PlanFactory

pytestmark = pytest.mark.django_db

S = Order.Status
ALL = [s.value for s in S]
ALLOWED = sorted((a, b) for a, targets in TRANSITIONS.items() for b in targets)
FORBIDDEN = sorted((a, b) for a in ALL for b in ALL if a != b and b not in TRANSITIONS[a])


def order_in(status: str) -> Order:
    order = OrderFactory()
    fields = {"status": status}
    if status in (S.PAID, S.PROVISIONED, S.REFUNDED, S.DISPUTED):
        from django.utils import timezone

        fields["paid_at"] = timezone.now()
    if status == S.PROVISIONED:
        from tests.proxies.factories import PoolKeyFactory

        fields["fulfilment_ref"] = str(PoolKeyFactory(customer=order.customer).pk)
    Order.objects.filter(pk=order.pk).update(**fields)
    order.refresh_from_db()
    return order


def test_every_state_has_a_row_in_the_table():
    assert set(TRANSITIONS) == set(ALL)


def test_the_happy_path_is_pending_paid_provisioned():
    assert S.PAID in TRANSITIONS[S.PENDING]
    assert S.PROVISIONED in TRANSITIONS[S.PAID]
    assert S.PROVISIONED not in TRANSITIONS[S.PENDING]


@pytest.mark.parametrize(("source", "target"), ALLOWED)
def test_allowed_transition_is_applied_and_audited(source, target):
    order = order_in(source)
    if target == S.PROVISIONED:
        from tests.proxies.factories import PoolKeyFactory

        Order.objects.filter(pk=order.pk).update(fulfilment_ref=str(PoolKeyFactory(customer=order.customer).pk))

    order_transition(order_id=order.pk, to=target, reason="test")

    order.refresh_from_db()
    assert order.status == target
    entry = AuditEntry.objects.get(action=f"order.{target}", target_id=str(order.pk))
    assert entry.data["from"] == source
    assert entry.customer == order.customer


@pytest.mark.parametrize(("source", "target"), FORBIDDEN)
def test_illegal_transition_raises_and_changes_nothing(source, target):
    order = order_in(source)

    with pytest.raises(IllegalTransition):
        order_transition(order_id=order.pk, to=target)

    order.refresh_from_db()
    assert order.status == source
    assert not AuditEntry.objects.filter(action__startswith="order.", target_id=str(order.pk)).exists()


@pytest.mark.parametrize("status", ALL)
def test_transition_to_the_current_state_is_a_no_op(status):
    order = order_in(status)

    order_transition(order_id=order.pk, to=status)

    assert not AuditEntry.objects.filter(target_id=str(order.pk)).exists()


def test_paid_timestamp_is_when_the_money_first_arrived():
    order = order_in(S.PENDING)
    payment_confirm(payment_id=PaymentFactory(order=order).pk, amount_received=Decimal("35.00"), currency="usd")
    order.refresh_from_db()
    first_paid_at = order.paid_at
    order_transition(order_id=order.pk, to=S.FAILED)
    order_transition(order_id=order.pk, to=S.PAID)

    order.refresh_from_db()
    assert order.paid_at == first_paid_at


@pytest.mark.parametrize("status", [S.PAID, S.PROVISIONED, S.REFUNDED, S.DISPUTED])
def test_mark_paid_is_a_no_op_once_paid_or_money_returned(status):
    order = order_in(status)
    payment = PaymentFactory(order=order)

    assert payment_confirm(payment_id=payment.pk, amount_received=Decimal("35.00"), currency="usd") == "already_paid"

    order.refresh_from_db()
    assert order.status == status


def test_expiry_and_payment_failure_only_touch_pending_orders():
    paid = order_in(S.PAID)

    assert order_expire(order_id=paid.pk) is False
    assert order_mark_payment_failed(order_id=paid.pk, reason="x") is False

    paid.refresh_from_db()
    assert paid.status == S.PAID


def test_database_refuses_a_provisioned_order_without_a_key():
    order = order_in(S.PAID)

    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.filter(pk=order.pk).update(status=S.PROVISIONED)


def test_database_refuses_a_paid_order_without_a_payment_time():
    order = OrderFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.filter(pk=order.pk).update(status=S.PAID)


def test_orders_and_plans_are_protected_from_deletion():
    order = OrderFactory(plan=PlanFactory())

    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        order.plan.delete()
    with pytest.raises(ProtectedError):
        order.customer.delete()
