"""Provisioning through the real pool-key services and the sandbox upstream, with faults
injected at every step: whatever fails, after recovery the customer has exactly one key with
the right cap, and never a second mint or a doubled top-up."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.test import TestCase
from django.utils import timezone

from apps.billing.models import Order
from apps.billing.services import order_provision, order_retry_provisioning
from apps.proxies.models import PoolKey
from apps.sandbox.upstream.faults import inject
from apps.sandbox.upstream.models import SandboxIdempotencyRecord, SandboxKey

from .factories import PlanFactory
from .stripe_events import completed_paid, post_event
from .support import (
    LIST,
    MINT,
    TOP_UP,
    UPDATE,
    delivered_key,
    delivery_action,
    reconcile_later,
    upstream_keys,
    upstream_mints,
)

pytestmark = pytest.mark.django_db


def only_key() -> SandboxKey:
    keys = upstream_keys()
    assert len(keys) == 1, [k.label for k in keys]
    return keys[0]


# Mint ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        {"status": 500},
        {"status": 503},
        {"status": 429, "retry_after": 2},
        {"drop": "timeout"},
        {"drop": "reset"},
        {"drop": "refused"},
        {"drop": "timeout", "phase": "after"},  # the key is minted, the reply is lost
        {"drop": "reset", "phase": "after"},
    ],
    ids=lambda f: "-".join(str(v) for v in f.values()),
)
def test_mint_fault_heals_into_exactly_one_key(client, start_checkout, fault):
    order, session = start_checkout()
    with inject(times=1, **MINT, **fault):
        post_event(client, completed_paid(session))

    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert order.provisioning_error
    assert order.provisioning_next_attempt_at is not None

    reconcile_later()

    order.refresh_from_db()
    assert order.status == Order.Status.PROVISIONED
    assert only_key().traffic_cap_gb == Decimal("5")
    assert upstream_mints() == 1
    assert PoolKey.objects.count() == 1


def test_lost_mint_reply_is_found_by_label_after_the_idempotency_window(client, start_checkout):
    """The upstream replays a mint for 24 h only. A retry after that must not mint a second key:
    it finds the key by its order-derived label and adopts it."""
    order, session = start_checkout()
    with inject(times=1, drop="reset", phase="after", **MINT):
        post_event(client, completed_paid(session))
    assert len(upstream_keys()) == 1 and PoolKey.objects.count() == 0

    SandboxIdempotencyRecord.objects.all().delete()  # what 24 h do to the replay cache
    reconcile_later(minutes=25 * 60)

    order.refresh_from_db()
    assert order.status == Order.Status.PROVISIONED
    assert only_key().public_id == delivered_key(order).upstream_id
    assert upstream_mints() == 1


def test_failed_label_lookup_is_retried_too(client, start_checkout):
    order, session = start_checkout()
    with inject(times=1, drop="reset", phase="after", **MINT):
        post_event(client, completed_paid(session))
    with inject(times=1, status=502, **LIST):
        reconcile_later()
    order.refresh_from_db()
    assert order.status == Order.Status.PAID

    reconcile_later(minutes=60)

    order.refresh_from_db()
    assert order.status == Order.Status.PROVISIONED
    assert upstream_mints() == 1


def test_rate_limit_retry_after_is_respected(client, start_checkout):
    order, session = start_checkout()
    with inject(times=1, status=429, retry_after=600, **MINT):
        post_event(client, completed_paid(session))

    order.refresh_from_db()
    assert order.provisioning_next_attempt_at >= timezone.now() + timedelta(seconds=590)


def test_terminal_upstream_error_flags_the_order_for_an_operator(client, start_checkout):
    order, session = start_checkout()
    with inject(times=1, status=401, **MINT):
        post_event(client, completed_paid(session))

    order.refresh_from_db()
    assert order.status == Order.Status.FAILED
    assert order.paid_at is not None
    assert order.needs_attention
    assert "provisioning failed" in order.failure_reason
    assert upstream_keys() == []
    [alert] = [m for m in mail.outbox if m.to == ["ops@example.com"]]
    assert order.reference in alert.subject
    assert order.customer.email in alert.body

    # The reconciler leaves it to the operator...
    reconcile_later()
    assert upstream_keys() == []

    # ...who fixes the cause and retries.
    with TestCase.captureOnCommitCallbacks(execute=True):
        order_retry_provisioning(order_id=order.pk)
    order.refresh_from_db()
    assert order.status == Order.Status.PROVISIONED
    assert only_key().traffic_cap_gb == Decimal("5")


def test_crash_between_marking_paid_and_provisioning_is_healed_by_the_reconciler(client, start_checkout, monkeypatch):
    order, session = start_checkout()
    # The process dies right after the commit: the provisioning job is never enqueued.
    monkeypatch.setattr("apps.billing.tasks.provision_order.delay", lambda *args, **kwargs: None)
    post_event(client, completed_paid(session))
    monkeypatch.undo()
    order.refresh_from_db()
    assert order.status == Order.Status.PAID
    assert order.provisioning_attempts == 0

    reconcile_later(minutes=1)  # too early: the normal path may still be on its way
    order.refresh_from_db()
    assert order.status == Order.Status.PAID

    reconcile_later(minutes=5)

    order.refresh_from_db()
    assert order.status == Order.Status.PROVISIONED
    assert only_key().traffic_cap_gb == Decimal("5")


def test_reconciler_gives_up_after_the_window_and_tells_the_operator(client, start_checkout, monkeypatch):
    order, session = start_checkout()
    with inject(status=503, **MINT):  # the upstream stays down for days
        post_event(client, completed_paid(session))
        reconcile_later(minutes=60)
        order.refresh_from_db()
        assert order.status == Order.Status.PAID

        reconcile_later(minutes=73 * 60)

    order.refresh_from_db()
    assert order.status == Order.Status.FAILED
    assert "not provisioned within the window" in order.failure_reason
    assert [m for m in mail.outbox if m.to == ["ops@example.com"]]
    assert upstream_keys() == []


def test_provisioning_again_after_success_does_nothing(client, buy):
    order = buy()

    result = order_provision(order_id=order.pk)

    assert result.outcome == "skipped"
    assert upstream_mints() == 1


# Top-up ----------------------------------------------------------------------------------------


def test_second_order_tops_up_the_same_key(client, buy, pro_plan):
    first = buy()
    key = only_key()
    expiry_before = key.expires_at

    second = buy(for_plan=pro_plan)

    assert second.status == Order.Status.PROVISIONED
    assert delivery_action(second) == "top_up"
    assert delivered_key(second) == delivered_key(first)
    key = only_key()
    assert key.traffic_cap_gb == Decimal("30")
    assert key.expires_at >= expiry_before + timedelta(days=30)
    assert upstream_mints() == 1


def test_top_up_lifts_an_auto_suspend(client, buy):
    first = buy()
    SandboxKey.objects.update(enabled=False)  # the upstream suspended the key at its cap
    PoolKey.objects.update(enabled=False)

    buy()

    assert only_key().enabled is True
    assert delivered_key(first).enabled is True


@pytest.mark.parametrize(
    "rule",
    [
        {"status": 500, **TOP_UP},
        {"drop": "reset", "phase": "after", **TOP_UP},
        {"drop": "timeout", "phase": "after", **TOP_UP},
        {"status": 503, **UPDATE},  # the re-enable after the top-up
        {"drop": "reset", "phase": "after", **UPDATE},
    ],
    ids=["topup-500", "topup-lost-reply", "topup-timeout-after", "enable-503", "enable-lost-reply"],
)
def test_top_up_fault_heals_without_doubling(client, buy, start_checkout, rule):
    buy()
    SandboxKey.objects.update(enabled=False)
    order, session = start_checkout()
    with inject(times=1, **rule):
        post_event(client, completed_paid(session))
    order.refresh_from_db()
    assert order.status == Order.Status.PAID

    reconcile_later()

    order.refresh_from_db()
    assert order.status == Order.Status.PROVISIONED
    key = only_key()
    assert key.traffic_cap_gb == Decimal("10")
    assert key.enabled is True


def test_unconfirmed_top_up_is_not_repeated_after_the_replay_window(client, buy, start_checkout):
    buy()
    order, session = start_checkout()
    with inject(times=1, drop="reset", phase="after", **TOP_UP):
        post_event(client, completed_paid(session))
    assert only_key().traffic_cap_gb == Decimal("10")  # it did happen upstream

    reconcile_later(minutes=24 * 60)

    order.refresh_from_db()
    assert order.status == Order.Status.FAILED
    assert "23 h" in order.failure_reason
    assert only_key().traffic_cap_gb == Decimal("10")


def test_key_gone_upstream_gets_a_fresh_key(client, buy):
    first = buy()
    SandboxKey.objects.all().delete()

    second = buy()

    assert second.status == Order.Status.PROVISIONED
    assert delivery_action(second) == "mint"
    assert delivered_key(second) != delivered_key(first)
    assert only_key().traffic_cap_gb == Decimal("5")
    assert delivered_key(first).missing_upstream is True


def test_second_order_waits_for_the_first_mint_then_tops_up(client, start_checkout):
    first, first_session = start_checkout()
    # Another plan of the same size: a second checkout of the same plan would reuse the first.
    second, second_session = start_checkout(for_plan=PlanFactory(slug="starter-b", gb=Decimal("5")))
    with inject(status=500, **MINT):
        post_event(client, completed_paid(first_session))
        post_event(client, completed_paid(second_session))
    first.refresh_from_db()
    second.refresh_from_db()
    assert delivery_action(first) == "mint"
    assert delivery_action(second) == ""  # waiting: no second mint for the same customer

    reconcile_later()

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Order.Status.PROVISIONED, Order.Status.PROVISIONED)
    assert delivery_action(second) == "top_up"
    assert only_key().traffic_cap_gb == Decimal("10")
    assert upstream_mints() == 1


def test_customers_get_separate_keys(client, buy):
    from tests.factories import UserFactory

    buy()
    buy(user=UserFactory())

    assert len(upstream_keys()) == 2
    assert PoolKey.objects.values("customer").distinct().count() == 2


def test_reconcile_command_re_drives_stuck_orders_where_no_beat_runs(client, start_checkout, monkeypatch):
    from io import StringIO

    from django.core.management import call_command

    order, session = start_checkout()
    monkeypatch.setattr("apps.billing.tasks.provision_order.delay", lambda *a, **k: None)
    post_event(client, completed_paid(session))
    monkeypatch.undo()
    out = StringIO()

    with (
        time_machine.travel(timezone.now() + timedelta(minutes=10), tick=False),
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        call_command("billing_reconcile", stdout=out)

    assert "due: 1" in out.getvalue()
    order.refresh_from_db()
    assert order.status == Order.Status.PROVISIONED
