"""Real concurrency on PostgreSQL (row locks, unique constraints, commits): many deliveries and
jobs at once still produce one order change and one upstream mint."""

import json
import threading
from collections import Counter
from decimal import Decimal

import pytest
from django.db import connections
from django.test import Client

from apps.billing.models import Order, ProviderEvent
from apps.billing.services import checkout_start, order_provision
from apps.core.models import AuditEntry
from apps.proxies.models import PoolKey
from apps.sandbox.upstream.faults import inject
from tests.factories import UserFactory

from .factories import PlanFactory
from .stripe_events import charge_refunded, completed_paid, session_event, sign
from .support import upstream_keys, upstream_mints

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 50


def run_concurrently(count: int, work) -> list:
    """Runs work(i) on `count` threads released together; returns results (or exceptions)."""
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


def deliver(body: str):
    """The acknowledgement's status and outcome ("queued", or "duplicate" once processed); the
    processing job ran inline after the webhook's commit."""
    response = Client().post(
        "/billing/stripe/webhook/", data=body, content_type="application/json", headers={"Stripe-Signature": sign(body)}
    )
    return response.status_code, json.loads(response.content)["outcome"]


def processed_outcomes() -> Counter:
    return Counter(ProviderEvent.objects.values_list("outcome", flat=True))


@pytest.fixture
def checkout():
    plan = PlanFactory(slug="starter", gb=Decimal("5"), price=Decimal("35.00"))
    customer = UserFactory()

    def _checkout():
        start = checkout_start(customer=customer, plan=plan)
        return start.order, start.order.sandbox_sessions.get()

    return _checkout


def test_fifty_concurrent_deliveries_of_one_event_change_the_order_once_and_mint_once(checkout):
    order, session = checkout()
    body = json.dumps(completed_paid(session))

    results = run_concurrently(THREADS, lambda i: deliver(body))

    assert not [r for r in results if isinstance(r, BaseException)], results
    assert {status for status, _outcome in results} == {200}
    assert {outcome for _status, outcome in results} <= {"queued", "duplicate"}
    event = ProviderEvent.objects.get()
    assert event.outcome == "paid"
    assert (event.deliveries, event.attempts) == (THREADS, 1)
    assert AuditEntry.objects.filter(action="order.paid", target_id=str(order.pk)).count() == 1
    order.refresh_from_db()
    assert order.status == Order.Status.PROVISIONED
    assert upstream_mints() == 1
    assert [k.traffic_cap_gb for k in upstream_keys()] == [Decimal("5")]
    assert PoolKey.objects.count() == 1


def test_concurrent_different_events_for_one_session_provision_once(checkout):
    order, session = checkout()
    completed = json.dumps(completed_paid(session))
    succeeded = json.dumps(session_event(session, "checkout.session.async_payment_succeeded"))

    results = run_concurrently(20, lambda i: deliver(completed if i % 2 else succeeded))

    assert {status for status, _outcome in results} == {200}
    assert processed_outcomes()["paid"] == 1
    assert upstream_mints() == 1
    order.refresh_from_db()
    assert order.status == Order.Status.PROVISIONED


def test_concurrent_provisioning_jobs_mint_once(checkout):
    """Jobs re-driven at the same moment (reconciler, Celery retry, status page) race for the
    same paid order; one does the work."""
    order, session = checkout()
    with inject(times=1, status=503, path="/reseller/pool-keys", method="POST"):
        deliver(json.dumps(completed_paid(session)))
    order.refresh_from_db()
    assert order.status == Order.Status.PAID

    results = run_concurrently(20, lambda i: order_provision(order_id=order.pk).outcome)

    assert not [r for r in results if isinstance(r, BaseException)], results
    assert results.count("provisioned") == 1
    order.refresh_from_db()
    assert order.status == Order.Status.PROVISIONED
    assert upstream_mints() == 1


def test_concurrent_refund_deliveries_reduce_the_cap_once(checkout):
    order, session = checkout()
    deliver(json.dumps(completed_paid(session)))
    order.refresh_from_db()
    # Twenty different events all reporting the same refund total.
    bodies = [json.dumps(charge_refunded(order, amount_refunded=Decimal("14.00"))) for _ in range(20)]

    results = run_concurrently(20, lambda i: deliver(bodies[i]))

    assert {status for status, _outcome in results} == {200}
    assert processed_outcomes() - Counter(paid=1) == {"refund_recorded": 1, "refund_already_recorded": 19}
    assert order.adjustments.count() == 1
    assert [k.traffic_cap_gb for k in upstream_keys()] == [Decimal("3")]
