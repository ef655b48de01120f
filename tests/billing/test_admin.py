"""The basic billing admin: plans editable, orders and events read-only, operator actions
through the services."""

import pytest
from django.test import TestCase

from apps.billing.models import Order, ProviderEvent
from apps.billing.providers.base import Fact
from apps.billing.services import event_apply
from apps.sandbox.upstream.faults import inject
from tests.factories import StaffFactory

from .stripe_events import completed_paid, outcome_of, post_event
from .support import upstream_keys

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client):
    client.force_login(StaffFactory())
    return client


@pytest.fixture
def failed_order(client, start_checkout):
    order, session = start_checkout()
    with inject(times=1, status=403, path="/reseller/pool-keys", method="POST"):
        post_event(client, completed_paid(session))
    order.refresh_from_db()
    assert order.status == Order.Status.FAILED
    return order


@pytest.mark.parametrize(
    "model", ["plan", "order", "payment", "providerevent", "providercustomer", "billingprofile", "keyadjustment"]
)
def test_changelists_render(operator_client, plan, model):
    assert operator_client.get(f"/admin/billing/{model}/").status_code == 200


def test_an_orders_payments_show_on_its_page_and_their_own(operator_client, failed_order):
    payment = failed_order.payments.get()

    order_page = operator_client.get(f"/admin/billing/order/{failed_order.pk}/change/").content.decode()
    payment_page = operator_client.get(f"/admin/billing/payment/{payment.pk}/change/")
    found = operator_client.get("/admin/billing/order/", {"q": payment.payment_reference}).content.decode()

    assert payment.reference in order_page and "35.00 USD" in order_page
    assert payment_page.status_code == 200 and payment.payment_reference in payment_page.content.decode()
    assert failed_order.reference in found


def test_needs_attention_filter_lists_paid_orders_that_failed(operator_client, failed_order, start_checkout):
    other, _session = start_checkout()  # pending: not for the operator

    html = operator_client.get("/admin/billing/order/?attention=yes").content.decode()

    assert failed_order.reference in html
    assert other.reference not in html


def test_retry_action_provisions_a_failed_order(operator_client, failed_order):
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = operator_client.post(
            "/admin/billing/order/", {"action": "retry_provisioning", "_selected_action": [failed_order.pk]}
        )

    assert response.status_code == 302
    failed_order.refresh_from_db()
    assert failed_order.status == Order.Status.PROVISIONED
    assert len(upstream_keys()) == 1


def test_order_change_page_is_read_only(operator_client, failed_order):
    response = operator_client.get(f"/admin/billing/order/{failed_order.pk}/change/")

    assert response.status_code == 200
    assert b'name="status"' not in response.content


def test_reprocess_action_processes_an_event_that_failed(operator_client, client, start_checkout, monkeypatch):
    order, session = start_checkout()
    event = completed_paid(session)

    def broken(*args, **kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setitem(event_apply._APPLY, Fact.PAYMENT_CONFIRMED, broken)
    response = post_event(client, event)
    assert response.status_code == 200  # acknowledged; its job did the processing
    assert outcome_of(response) == "error"
    stored = ProviderEvent.objects.get()
    assert stored.processed_at is None
    assert "database hiccup" in stored.error
    assert "Traceback" in stored.traceback
    monkeypatch.undo()

    with TestCase.captureOnCommitCallbacks(execute=True):
        operator_client.post("/admin/billing/providerevent/", {"action": "reprocess", "_selected_action": [stored.pk]})

    stored.refresh_from_db()
    assert stored.processed_at is not None
    order.refresh_from_db()
    assert order.status == Order.Status.PROVISIONED
