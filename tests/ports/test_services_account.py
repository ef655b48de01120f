"""The reseller's upstream account for the console: the background refresh copies the summary and
the slot tariffs into one row, keeps the last good figures when the upstream fails, and mails the
operators exactly once per crossing below the balance and slot thresholds."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from apps.ports.models import PortPlan, UpstreamAccountSnapshot
from apps.ports.selectors import port_plan_wholesale_cost, upstream_account_is_stale, upstream_account_snapshot
from apps.ports.services import ports_account_refresh
from apps.sandbox.ports.services import sandbox_ports_account_set
from apps.sandbox.upstream.faults import inject

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _operators(settings):
    settings.OPERATOR_EMAILS = ["ops@example.com"]
    settings.PORTS_LOW_BALANCE = 20
    settings.PORTS_LOW_SLOTS = 1


def operator_mails() -> list[str]:
    """Subjects after the "[<brand> operator] " prefix."""
    return [m.subject.split("] ", 1)[1] for m in mail.outbox if m.to == ["ops@example.com"]]


@pytest.fixture
def refresh(upstream, django_capture_on_commit_callbacks):
    def _refresh():
        with django_capture_on_commit_callbacks(execute=True):
            return ports_account_refresh()

    return _refresh


def test_the_refresh_copies_balance_slots_traffic_and_slot_prices(refresh, customer, fulfil):
    sandbox_ports_account_set(balance=Decimal("75.50"), shared_slots=5, private_slots=2)
    fulfil(customer)  # one shared slot used

    refresh()

    snap = upstream_account_snapshot()
    assert (snap.balance, snap.currency) == (Decimal("75.50"), "USD")
    assert (snap.shared_slots_total, snap.shared_slots_used, snap.shared_slots_available) == (5, 1, 4)
    assert (snap.private_slots_total, snap.private_slots_used, snap.private_slots_available) == (2, 0, 2)
    assert snap.shared_traffic_available_gb is not None
    assert snap.slot_prices == {"shared": "10.00", "private": "25.00"}
    assert not upstream_account_is_stale(snap)
    assert operator_mails() == []


def test_low_slots_mail_once_per_crossing(refresh, customer, fulfil):
    sandbox_ports_account_set(balance=Decimal(100), shared_slots=2, private_slots=3)
    refresh()
    fulfil(customer, order_ref="S-1")  # 1 of 2 shared slots left: at the threshold

    refresh()
    refresh()  # still low: no second mail

    assert operator_mails() == ["Upstream shared port slots are running out: 1 of 2 free"]
    sandbox_ports_account_set(shared_slots=6)
    refresh()  # recovered: the crossing is released
    assert UpstreamAccountSnapshot.objects.get().low_shared_slots_since is None
    sandbox_ports_account_set(shared_slots=1)
    refresh()  # a new crossing: a new mail

    assert len(operator_mails()) == 2


def test_a_low_balance_mails_once(refresh):
    sandbox_ports_account_set(balance=Decimal("12.00"), shared_slots=5, private_slots=5)

    refresh()
    refresh()

    assert operator_mails() == ["Upstream balance is low: 12.00 USD"]
    assert UpstreamAccountSnapshot.objects.get().low_balance_since is not None


def test_an_upstream_failure_keeps_the_last_figures_and_says_why(refresh):
    sandbox_ports_account_set(balance=Decimal(80), shared_slots=5, private_slots=5)
    refresh()

    with inject(status=503, path="/account/summary", times=1):
        outcome = refresh()

    snap = UpstreamAccountSnapshot.objects.get()
    assert "failed" in outcome
    assert snap.balance == Decimal(80) and snap.error and snap.error_at is not None


def test_a_snapshot_older_than_three_intervals_is_stale(settings):
    settings.PORTS_ACCOUNT_REFRESH_SECONDS = 300
    snap = UpstreamAccountSnapshot.objects.create(fetched_at=timezone.now() - timedelta(minutes=16))

    assert upstream_account_is_stale(snap)


def test_the_wholesale_cost_of_a_plan_is_the_slot_price_for_its_period():
    snap = UpstreamAccountSnapshot(slot_prices={"shared": "10.00", "private": "25.00"})

    assert port_plan_wholesale_cost(plan=PortPlan(sharing="private", period_days=30), snapshot=snap) == Decimal("25.00")
    assert port_plan_wholesale_cost(plan=PortPlan(sharing="shared", period_days=7), snapshot=snap) == Decimal("2.33")
    assert port_plan_wholesale_cost(plan=PortPlan(sharing="shared", period_days=7), snapshot=None) is None
