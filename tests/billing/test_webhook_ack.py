"""The webhook only acknowledges: it stores the delivery and enqueues its processing for after
the commit. A crash between the two (the process dies, the broker is down) loses nothing: the
reconciler, or Stripe's redelivery, processes the stored event, exactly once."""

import pytest
from kombu.exceptions import OperationalError

from apps.billing.models import Order, ProviderEvent
from apps.billing.tasks import process_provider_event

from .stripe_events import completed_paid, post_event
from .support import reconcile_later, upstream_keys, upstream_mints

pytestmark = pytest.mark.django_db


def _crash(*args, **kwargs):
    raise OperationalError("the process died after the delivery was stored")


@pytest.fixture
def stored_not_processed(client, start_checkout, monkeypatch):
    """A paid checkout's delivery stored and acknowledged, its processing job never run."""
    order, session = start_checkout()
    event = completed_paid(session)
    with monkeypatch.context() as patched:
        patched.setattr(process_provider_event, "delay", _crash)
        response = post_event(client, event)
    assert response.status_code == 200
    assert response.json()["outcome"] == "queued"
    return order, event


def test_a_stored_delivery_changes_nothing_until_it_is_processed(stored_not_processed):
    order, event = stored_not_processed

    stored = ProviderEvent.objects.get(event_id=event["id"])
    assert (stored.processed_at, stored.attempts) == (None, 0)
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
    assert upstream_mints() == 0


def test_the_reconciler_processes_a_stranded_delivery_once(stored_not_processed):
    order, event = stored_not_processed

    report = reconcile_later()
    reconcile_later(minutes=35)

    assert report["events"] == 1
    stored = ProviderEvent.objects.get(event_id=event["id"])
    assert (stored.outcome, stored.attempts) == ("paid", 1)
    order.refresh_from_db()
    assert order.status == Order.Status.PROVISIONED
    assert upstream_mints() == 1
    assert len(upstream_keys()) == 1


def test_a_redelivery_processes_a_stranded_delivery_and_a_later_one_is_a_duplicate(client, stored_not_processed):
    order, event = stored_not_processed

    redelivered = post_event(client, event)
    again = post_event(client, event)
    reconcile_later()

    assert redelivered.json()["outcome"] == "queued"
    assert again.json()["outcome"] == "duplicate"
    stored = ProviderEvent.objects.get(event_id=event["id"])
    assert (stored.deliveries, stored.attempts, stored.outcome) == (3, 1, "paid")
    order.refresh_from_db()
    assert order.status == Order.Status.PROVISIONED
    assert upstream_mints() == 1


def test_a_refused_delivery_is_not_retried_by_the_reconciler(client, start_checkout):
    order, session = start_checkout()
    event = completed_paid(session)
    event["data"]["object"]["id"] = "cs_not_this_orders_session"

    post_event(client, event)
    report = reconcile_later()

    stored = ProviderEvent.objects.get(event_id=event["id"])
    assert (stored.processed_at, stored.outcome) == (None, "rejected")
    assert report["events"] == 0
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
