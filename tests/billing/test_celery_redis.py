"""Provisioning through a real Celery worker on Redis: the webhook commits, enqueues on commit,
answers, and a separate worker does the upstream work."""

import threading
import uuid
from decimal import Decimal

import pytest
from celery import Celery, current_app
from celery.contrib.testing.worker import start_worker
from celery.signals import task_postrun
from django.db import connections

from apps.billing.models import Order
from apps.billing.services import checkout_start
from apps.billing.tasks import provision_order
from tests.factories import UserFactory

from .factories import PlanFactory
from .stripe_events import completed_paid, post_event
from .support import upstream_keys

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

# Generous bound for a loaded CI machine; the test finishes as soon as the job is done.
JOB_TIMEOUT_SECONDS = 60


def redis_reachable(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping())
    except Exception:
        return False


@pytest.fixture
def worker(redis_url):
    """A Celery worker thread on the Redis at TEST_REDIS_URL (the root conftest skips this test when
    the variable is unset). It runs on an app of its own (the project's settings, Redis as broker,
    a queue of its own), made current for the test, so the project's app and its eager default are
    left exactly as they were."""
    if not redis_reachable(redis_url):
        pytest.skip(f"needs a reachable Redis at TEST_REDIS_URL ({redis_url})")
    app = Celery("storefront-billing-test", set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(
        broker_url=redis_url,
        task_always_eager=False,
        # No other worker on this Redis takes our job, and we take no other.
        task_default_queue=f"storefront-test-{uuid.uuid4().hex[:8]}",
        broker_connection_retry_on_startup=False,
    )
    app.finalize(auto=True)  # registers the project's shared tasks on it
    previous = current_app._get_current_object()
    app.set_current()
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30) as running:
            yield running
    finally:
        # start_worker also made it the process-wide default app: undo both.
        previous.set_current()
        previous.set_default()
        app.close()
        connections.close_all()


def test_paid_order_is_provisioned_by_a_celery_worker_on_redis(client, worker):
    plan = PlanFactory(slug="starter", gb=Decimal("5"), price=Decimal("35.00"))
    order = checkout_start(customer=UserFactory(), plan=plan).order
    session = order.sandbox_sessions.get()
    done = threading.Event()
    outcomes: list = []

    def on_postrun(sender=None, args=None, retval=None, **kwargs):
        if sender is not None and sender.name == provision_order.name and args and args[0] == order.pk:
            outcomes.append(retval)
            done.set()

    task_postrun.connect(on_postrun, weak=False)
    try:
        response = post_event(client, completed_paid(session))
        # The webhook only recorded the payment and enqueued; the worker thread does the rest.
        assert response.status_code == 200
        assert done.wait(JOB_TIMEOUT_SECONDS), "the worker did not run the provisioning job"
    finally:
        task_postrun.disconnect(on_postrun)

    assert outcomes == ["provisioned"]
    order.refresh_from_db()
    assert order.status == Order.Status.PROVISIONED
    assert [k.traffic_cap_gb for k in upstream_keys()] == [Decimal("5")]
