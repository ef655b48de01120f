"""Provisioning through a real Celery worker on Redis: the webhook commits, enqueues on commit,
answers, and a separate worker does the upstream work."""

import threading
from decimal import Decimal

import pytest
from celery.signals import task_postrun

from apps.billing.models import Order
from apps.billing.services import checkout_start
from apps.billing.tasks import provision_order
from tests.factories import UserFactory
from tests.support import JOB_TIMEOUT_SECONDS

from .factories import PlanFactory
from .stripe_events import completed_paid, post_event
from .support import upstream_keys

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


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
