"""Orders and Stripe events in the operator console: filters by state, refunds on view, retry
provisioning of a failed order from its page, and reprocessing a failed delivery, which ends
exactly where a first-time success does and never provisions twice."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.test import TestCase
from django.urls import reverse

from apps.billing.models import Order, ProviderEvent
from apps.billing.providers.stripe.client import StripeCallError
from apps.core.models import AuditEntry
from apps.sandbox.payments.backend import SandboxPayments
from apps.sandbox.upstream.faults import inject
from tests.factories import StaffFactory, UserFactory

from .stripe_events import charge_refunded, completed_paid, outcome_of, post_event
from .support import delivered_key, upstream_keys, upstream_mints

pytestmark = pytest.mark.django_db

ORDERS = "/admin/billing/order/"
EVENTS = "/admin/billing/providerevent/"


@pytest.fixture
def webhook_client():
    from django.test import Client

    return Client()


@pytest.fixture
def failed_order(webhook_client, start_checkout):
    order, session = start_checkout()
    with inject(times=1, status=403, path="/reseller/pool-keys", method="POST"):
        post_event(webhook_client, completed_paid(session))
    order.refresh_from_db()
    assert order.status == Order.Status.FAILED
    return order


def _order_page(order) -> str:
    return reverse("admin:billing_order_change", args=[order.pk])


def _event_page(event) -> str:
    return reverse("admin:billing_providerevent_change", args=[event.pk])


# Orders ----------------------------------------------------------------------------------------


def test_orders_filter_by_state(ops, failed_order, start_checkout, buy):
    pending, _session = start_checkout(user=UserFactory())
    done = buy(user=UserFactory())

    failed_html = ops.get(ORDERS, {"status__exact": "failed"}).content.decode()
    provisioned_html = ops.get(ORDERS, {"status__exact": "provisioned"}).content.decode()

    assert failed_order.reference in failed_html
    assert pending.reference not in failed_html and done.reference not in failed_html
    assert done.reference in provisioned_html and failed_order.reference not in provisioned_html


def test_search_finds_an_order_by_the_reference_customers_quote(ops, failed_order, buy):
    other = buy(user=UserFactory())

    html = ops.get(ORDERS, {"q": failed_order.reference}).content.decode()

    assert failed_order.reference in html
    assert other.reference not in html


def test_refunds_are_visible_on_the_list_and_the_order(ops, buy, webhook_client):
    order = buy()
    post_event(webhook_client, charge_refunded(order, amount_refunded=Decimal("10.00")))

    listing = ops.get(ORDERS, {"money_back": "refund"}).content.decode()
    page = ops.get(_order_page(order)).content.decode()

    assert order.reference in listing and "10.00 USD" in listing
    assert "refunds and disputes" in page.lower()
    assert "charge.refunded" in page  # the delivery, on the order's page
    assert "10.00" in page and "Applied" in page


def test_retry_provisioning_from_the_order_page_provisions_once(ops, failed_order, operator):
    page = ops.get(_order_page(failed_order)).content.decode()
    assert "Retry provisioning" in page

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = ops.post(
            _order_page(failed_order),
            {"CHANGE_FORM-action": "retry_provisioning", "_selected_action": [failed_order.pk]},
        )

    assert response.status_code == 302
    failed_order.refresh_from_db()
    assert failed_order.status == Order.Status.PROVISIONED
    assert len(upstream_keys()) == 1 and upstream_mints() == 1
    entry = AuditEntry.objects.get(action="order.paid", actor=operator)
    assert entry.reason == "operator retry from the console"

    # A second click (or a stale tab) changes nothing.
    with TestCase.captureOnCommitCallbacks(execute=True):
        ops.post(ORDERS, {"action": "retry_provisioning", "_selected_action": [failed_order.pk], "index": 0})
    assert upstream_mints() == 1
    assert "is not a paid order whose provisioning failed" in ops.get(ORDERS).content.decode()


def test_the_retry_button_is_only_on_paid_orders_that_failed(ops, buy):
    order = buy()

    assert "Retry provisioning</button>" not in ops.get(_order_page(order)).content.decode()


def test_failed_provisioning_mails_the_operators_once(failed_order):
    from apps.billing.tasks import reconcile_orders

    reconcile_orders()
    reconcile_orders()

    operator_mails = [m for m in mail.outbox if m.to == ["ops@example.com"]]
    assert len(operator_mails) == 1
    assert failed_order.reference in operator_mails[0].subject


def test_order_pages_are_staff_only_and_actions_need_the_change_permission(client, failed_order):
    client.force_login(UserFactory())
    assert "/login/" in client.get(ORDERS)["Location"]
    response = client.post(ORDERS, {"action": "retry_provisioning", "_selected_action": [failed_order.pk]})
    assert "/login/" in response["Location"]

    viewer = StaffFactory(is_superuser=False)
    viewer.user_permissions.add(Permission.objects.get(codename="view_order"))
    client.force_login(viewer)
    assert client.get(ORDERS).status_code == 200
    assert "Retry provisioning</button>" not in client.get(_order_page(failed_order)).content.decode()
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(ORDERS, {"action": "retry_provisioning", "_selected_action": [failed_order.pk], "index": 0})

    failed_order.refresh_from_db()
    assert failed_order.status == Order.Status.FAILED
    assert upstream_mints() == 0


# Stripe events -------------------------------------------------------------------------------


@pytest.fixture
def failed_delivery(webhook_client, start_checkout, monkeypatch):
    """A paid checkout whose delivery failed: Stripe could not be re-read when it arrived."""
    order, session = start_checkout()
    event = completed_paid(session)

    def unreachable(session_id):
        raise StripeCallError("connection reset by peer")

    # The payment simulator stands in for Stripe: it cannot be reached this time.
    monkeypatch.setattr(SandboxPayments, "checkout_session_retrieve", staticmethod(unreachable))
    response = post_event(webhook_client, event)
    monkeypatch.undo()
    assert response.status_code == 200  # acknowledged; its job did the processing
    assert outcome_of(response) == "retry_later"
    return order, event, ProviderEvent.objects.get(event_id=event["id"])


def test_a_failed_delivery_shows_its_outcome_error_and_traceback(ops, failed_delivery):
    _order, _event, stored = failed_delivery

    listing = ops.get(EVENTS, {"state": "failed"}).content.decode()
    page = ops.get(_event_page(stored)).content.decode()

    assert stored.event_id in listing
    assert "connection reset by peer" in listing
    assert "Traceback (most recent call last)" in page
    assert "Reprocess this event" in page


def test_reprocessing_a_failed_delivery_ends_like_a_first_time_success_and_provisions_once(
    ops, failed_delivery, webhook_client, buy, operator
):
    order, event, stored = failed_delivery
    twin = buy(user=UserFactory())  # the same purchase, delivered fine the first time

    with TestCase.captureOnCommitCallbacks(execute=True):
        response = ops.post(_event_page(stored), {"CHANGE_FORM-action": "reprocess", "_selected_action": [stored.pk]})

    assert response.status_code == 302
    order.refresh_from_db()
    stored.refresh_from_db()
    twin_event = ProviderEvent.objects.get(order=twin)
    assert (
        (order.status, stored.outcome, stored.error)
        == (twin.status, twin_event.outcome, "")
        == (
            Order.Status.PROVISIONED,
            "paid",
            "",
        )
    )
    assert delivered_key(order).cap_gb == delivered_key(twin).cap_gb == Decimal(5)
    assert order.receipt_sent_at and order.ready_sent_at
    assert upstream_mints() == 2  # one per order

    # Reprocess again, and Stripe redelivers: nothing more happens.
    with TestCase.captureOnCommitCallbacks(execute=True):
        ops.post(EVENTS, {"action": "reprocess", "_selected_action": [stored.pk], "index": 0})
    assert outcome_of(post_event(webhook_client, event)) == "duplicate"
    assert upstream_mints() == 2
    assert [m.subject for m in mail.outbox if m.to == [order.customer.email]].count(
        "[Storefront] Your proxy is ready"
    ) == 1
    entry = AuditEntry.objects.get(action="console.provider_event_reprocess")
    assert (entry.actor, entry.ip, entry.data["outcome"]) == (operator, "127.0.0.1", "paid")


def test_reprocessing_needs_staff_with_the_change_permission(client, failed_delivery):
    order, _event, stored = failed_delivery
    client.force_login(UserFactory())
    response = client.post(EVENTS, {"action": "reprocess", "_selected_action": [stored.pk], "index": 0})
    assert "/login/" in response["Location"]

    viewer = StaffFactory(is_superuser=False)
    viewer.user_permissions.add(Permission.objects.get(codename="view_providerevent"))
    client.force_login(viewer)
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(EVENTS, {"action": "reprocess", "_selected_action": [stored.pk], "index": 0})

    stored.refresh_from_db()
    order.refresh_from_db()
    assert stored.processed_at is None and order.status == Order.Status.PENDING
    assert upstream_mints() == 0


def test_plans_are_editable_and_brand_settings_reachable(ops, plan):
    assert ops.get(reverse("admin:billing_plan_change", args=[plan.pk])).status_code == 200
    assert 'name="price"' in ops.get(reverse("admin:billing_plan_change", args=[plan.pk])).content.decode()
