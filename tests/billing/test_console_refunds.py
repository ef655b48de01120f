"""Refunds from the console: the payment provider gives the money back, then the refund goes
through the same service as a provider's `charge.refunded`, so the key loses what REFUND_POLICY
says exactly as for a refund made at Stripe. Audited, and a double submit refunds once."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.test import TestCase
from django.urls import reverse

from apps.billing.models import KeyAdjustment, Order
from apps.core.models import AuditEntry
from apps.sandbox.payments.models import SandboxCharge
from apps.sandbox.upstream.faults import inject
from tests.factories import StaffFactory

from .stripe_events import charge_refunded, completed_paid, post_event
from .support import delivered_key, upstream_cap, upstream_mints

pytestmark = pytest.mark.django_db

TOKEN = "refund-form-token-0001"


def _refund_url(order: Order) -> str:
    return reverse("admin:billing_order_refund", args=[order.pk])


def _refund(ops, order: Order, **data):
    form = {"amount": "", "reason": "customer asked", "token": TOKEN, **data}
    with TestCase.captureOnCommitCallbacks(execute=True):
        return ops.post(_refund_url(order), form)


def test_the_order_page_offers_a_refund_of_a_paid_order(ops, buy):
    order = buy()

    page = ops.get(reverse("admin:billing_order_change", args=[order.pk])).content.decode()
    form = ops.get(_refund_url(order)).content.decode()

    assert _refund_url(order) in page
    assert "up to 35.00 USD" in form


def test_a_full_refund_from_the_console_refunds_at_the_provider_and_takes_the_gb_back(ops, buy, pro_plan, operator):
    buy(for_plan=pro_plan)  # 25 GB
    order = buy()  # +5 GB for $35

    response = _refund(ops, order)

    assert response.status_code == 302
    assert response["Location"] == reverse("admin:billing_order_change", args=[order.pk])
    order.refresh_from_db()
    assert (order.status, order.amount_refunded) == (Order.Status.REFUNDED, Decimal("35.00"))
    assert upstream_cap() == Decimal("25")
    [adjustment] = order.adjustments.all()
    assert (adjustment.kind, adjustment.gb, adjustment.status) == ("refund", Decimal("5.00"), "applied")
    # The provider really refunded (its charge says so) and its own charge.refunded event added nothing.
    assert SandboxCharge.objects.get(amount_refunded__gt=0).amount_refunded == 3500
    entry = AuditEntry.objects.get(action="order.refund_requested")
    assert (entry.actor, entry.reason, entry.data["amount"]) == (operator, "customer asked", "35.00")


def test_a_partial_refund_takes_back_its_share_like_a_stripe_refund(ops, buy, pro_plan):
    order = buy(for_plan=pro_plan)  # 25 GB for $150

    _refund(ops, order, amount="30.00")  # a fifth: 5 GB

    order.refresh_from_db()
    assert (order.status, order.amount_refunded) == (Order.Status.PROVISIONED, Decimal("30.00"))
    assert upstream_cap() == Decimal("20")
    # A later Stripe-made refund counts only what is new (the cumulative amount).
    post_event(ops, charge_refunded(order, amount_refunded=Decimal("60.00")))
    assert upstream_cap() == Decimal("15")


def test_a_double_submit_refunds_once(ops, buy):
    order = buy()

    first = _refund(ops, order, amount="10.00")
    second = _refund(ops, order, amount="10.00")

    assert first.status_code == second.status_code == 302
    order.refresh_from_db()
    assert order.amount_refunded == Decimal("10.00")
    assert order.adjustments.filter(kind=KeyAdjustment.Kind.REFUND).count() == 1
    assert AuditEntry.objects.filter(action="order.refund_requested").count() == 1
    assert SandboxCharge.objects.get(amount_refunded__gt=0).amount_refunded == 1000


def test_the_disable_policy_applies_to_a_console_refund_too(ops, buy, settings):
    settings.REFUND_POLICY = "disable"
    order = buy()

    _refund(ops, order, amount="5.00")

    assert delivered_key(order).disabled_by_operator is True
    assert order.adjustments.get().action == KeyAdjustment.Action.DISABLE


@pytest.mark.parametrize(
    ("amount", "reason", "message"),
    [
        ("36.00", "too much", "at most 35.00 USD"),
        ("0", "nothing", "Ensure this value is greater than or equal to 0.01"),
        ("abc", "junk", "Enter a number"),
        ("", "", "This field is required"),
    ],
)
def test_a_bad_refund_is_refused_with_a_clear_message(ops, buy, amount, reason, message):
    order = buy()

    response = _refund(ops, order, amount=amount, reason=reason)

    assert response.status_code == 200
    assert message in response.content.decode()
    order.refresh_from_db()
    assert order.amount_refunded == 0


def test_an_order_refunded_in_full_offers_no_more_refund(ops, buy):
    order = buy()
    _refund(ops, order)

    page = ops.get(reverse("admin:billing_order_change", args=[order.pk])).content.decode()
    again = _refund(ops, order, token="another-refund-token-02")

    assert _refund_url(order) not in page
    assert "refunded in full already" in again.content.decode()


def test_refunds_need_the_change_permission(client, buy):
    order = buy()
    viewer = StaffFactory(is_superuser=False)
    viewer.user_permissions.add(Permission.objects.get(codename="view_order"))
    client.force_login(viewer)

    assert client.get(_refund_url(order)).status_code == 403
    assert _refund(client, order).status_code == 403


def test_the_order_page_offers_only_what_its_state_allows_in_one_place(ops, buy, start_checkout):
    paid = buy()
    unpaid, _session = start_checkout()

    paid_page = ops.get(reverse("admin:billing_order_change", args=[paid.pk])).content.decode()
    unpaid_page = ops.get(reverse("admin:billing_order_change", args=[unpaid.pk])).content.decode()

    assert 'name="CHANGE_FORM-action"' not in paid_page  # no second, state-blind action bar
    assert _refund_url(paid) in paid_page and "Retry provisioning</button>" not in paid_page
    assert _refund_url(unpaid) not in unpaid_page


def test_refunding_a_paid_order_that_was_never_delivered_closes_it(ops, start_checkout, client):
    order, session = start_checkout()
    with inject(times=1, status=403, path="/reseller/pool-keys", method="POST"):
        post_event(client, completed_paid(session))
    order.refresh_from_db()
    assert order.status == Order.Status.FAILED

    _refund(ops, order)

    order.refresh_from_db()
    assert (order.status, order.amount_refunded) == (Order.Status.REFUNDED, Decimal("35.00"))
    assert upstream_mints() == 0  # nothing delivered, nothing to take back, and it never will be
