"""The simulator's charges and disputes, read the way billing reads Stripe's: a paid session
makes one charge, retrieves answer Stripe-shaped dicts, an unknown id is StripeNotFound."""

import pytest

from apps.billing.models import ORDER_METADATA_KEY
from apps.billing.providers.registry import provider_get
from apps.billing.providers.stripe.client import StripeNotFound
from apps.sandbox.payments.actions import sandbox_charge_dispute
from apps.sandbox.payments.models import SandboxCharge
from tests.billing.factories import PlanFactory
from tests.billing.stripe_events import payment_intent_of

from .support import checkout_url, post

pytestmark = pytest.mark.django_db


def sandbox():
    """What billing's sandbox provider calls: the simulator named by PAYMENTS_SANDBOX_BACKEND."""
    return provider_get("sandbox").client


def test_paying_on_the_test_page_makes_one_charge_for_the_order(paid_charge):
    order, charge = paid_charge

    assert charge.payment_intent_id == payment_intent_of(order)
    assert charge.amount == 3500
    assert charge.metadata == {ORDER_METADATA_KEY: str(order.public_id)}
    assert SandboxCharge.objects.count() == 1


def test_declining_or_letting_the_session_expire_makes_no_charge(customer_client, start_checkout):
    _order, declined = start_checkout()
    _order, expired = start_checkout()

    post(customer_client, checkout_url(declined), {"outcome": "decline"})
    post(customer_client, checkout_url(expired), {"outcome": "expire"})

    assert SandboxCharge.objects.count() == 0


def test_a_delayed_payment_makes_its_charge_only_when_it_succeeds(customer_client, start_checkout):
    _order, failed = start_checkout()
    _order, succeeded = start_checkout(for_plan=PlanFactory())  # another plan: not the reused checkout

    post(customer_client, checkout_url(failed), {"outcome": "async_fail"})
    post(customer_client, checkout_url(succeeded), {"outcome": "async_success"})

    assert list(SandboxCharge.objects.values_list("session_id", flat=True)) == [succeeded.id]


def test_billing_rereads_the_charge_as_stripe_shapes_it(paid_charge):
    order, charge = paid_charge

    read = sandbox().charge_retrieve(charge.id)

    assert read["object"] == "charge"
    assert (read["id"], read["payment_intent"], read["currency"]) == (charge.id, payment_intent_of(order), "usd")
    assert (read["amount"], read["amount_refunded"], read["refunded"], read["disputed"]) == (3500, 0, False, False)
    assert read["metadata"][ORDER_METADATA_KEY] == str(order.public_id)


def test_billing_rereads_the_dispute_as_stripe_shapes_it(paid_charge):
    order, charge = paid_charge
    sandbox_charge_dispute(charge_id=charge.id, reason="fraudulent")

    read = sandbox().dispute_retrieve(charge.dispute.id)

    assert read["object"] == "dispute"
    assert (read["charge"], read["payment_intent"], read["amount"]) == (charge.id, payment_intent_of(order), 3500)
    assert (read["status"], read["reason"]) == ("needs_response", "fraudulent")
    assert sandbox().charge_retrieve(charge.id)["disputed"] is True


def test_the_payment_intent_names_the_order(paid_charge):
    order, _charge = paid_charge

    assert sandbox().payment_intent_retrieve(payment_intent_of(order))["metadata"] == {
        ORDER_METADATA_KEY: str(order.public_id)
    }


@pytest.mark.parametrize(
    "read",
    [
        lambda: sandbox().charge_retrieve("ch_forged_0001"),
        lambda: sandbox().dispute_retrieve("dp_forged_0001"),
        lambda: sandbox().payment_intent_retrieve("pi_forged_0001"),
        lambda: sandbox().checkout_session_retrieve("cs_forged_0001"),
    ],
    ids=["charge", "dispute", "payment_intent", "session"],
)
def test_an_id_the_sandbox_never_issued_is_not_found_as_on_stripe(db, read):
    with pytest.raises(StripeNotFound):
        read()


class CannedPayments:
    @staticmethod
    def charge_retrieve(charge_id: str) -> dict:
        return {"id": charge_id, "object": "charge", "canned": True}


def test_billing_finds_the_simulator_by_the_dotted_path_in_settings(settings):
    settings.PAYMENTS_SANDBOX_BACKEND = f"{__name__}.CannedPayments"

    assert sandbox().charge_retrieve("ch_1")["canned"] is True


def test_the_test_helpers_record_what_they_send(paid_charge):
    from tests.billing.stripe_events import charge_refunded, dispute_closed, dispute_created

    order, charge = paid_charge
    refund = charge_refunded(order, amount_refunded=order.price)["data"]["object"]
    opened_event = dispute_created(order)
    opened = opened_event["data"]["object"]
    closed = dispute_closed(opened_event, status="won")["data"]["object"]

    assert sandbox().charge_retrieve(refund["id"])["amount_refunded"] == refund["amount_refunded"] == 3500
    assert sandbox().dispute_retrieve(opened["id"])["status"] == closed["status"] == "won"
    assert refund["id"] == opened["charge"] == charge.id
