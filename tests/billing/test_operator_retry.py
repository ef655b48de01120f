"""Review regressions: an operator can deliver a top-up the 23 h replay guard handed to them."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import TestCase
from django.utils import timezone

from apps.billing.models import Order
from apps.billing.services import order_retry_provisioning
from apps.sandbox.upstream.faults import inject

from .stripe_events import completed_paid, post_event
from .support import TOP_UP, reconcile_later, upstream_keys

pytestmark = pytest.mark.django_db


def test_operator_retry_delivers_a_top_up_the_replay_guard_gave_up_on(client, buy, start_checkout):
    buy()
    order, session = start_checkout()
    with inject(status=503, **TOP_UP):
        post_event(client, completed_paid(session))
        reconcile_later(minutes=24 * 60)
    order.refresh_from_db()
    assert order.status == Order.Status.FAILED
    assert "23 h" in order.failure_reason
    [key] = upstream_keys()
    assert key.traffic_cap_gb == Decimal("5")  # the top-up never reached the upstream

    # The operator checks the key's audit log the next day, then retries.
    next_day = time_machine.travel(timezone.now() + timedelta(hours=25), tick=False)
    with next_day, TestCase.captureOnCommitCallbacks(execute=True):
        order_retry_provisioning(order_id=order.pk)

    order.refresh_from_db()
    assert order.status == Order.Status.PROVISIONED
    [key] = upstream_keys()
    assert key.traffic_cap_gb == Decimal("10")
