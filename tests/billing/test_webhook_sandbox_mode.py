"""The public webhook while payments run on the sandbox (issue 19, item 2): no published secret
signs anything, and every charge or dispute is re-read from the sandbox's own records, as from
Stripe, so a forged refund or dispute for someone else's order changes nothing."""

import copy
import json
import secrets
import time
from decimal import Decimal

import pytest

from apps.billing.models import ORDER_METADATA_KEY, KeyAdjustment, Order, ProviderEvent
from apps.billing.money import to_minor_units
from tests.core.fresh_settings import import_settings
from tests.core.subprocesses import production_env

from .stripe_events import WEBHOOK_URL, charge_refunded, fixture, outcome_of, payment_intent_of, post_event, sign
from .support import upstream_keys

pytestmark = pytest.mark.django_db

# The secret the sandbox used to sign with: published in this repository's history.
PUBLISHED_SANDBOX_SECRET = "whsec_sandbox_" + "0" * 24


def _forged(event_type: str, obj: dict) -> dict:
    return {
        "id": f"evt_forged_{secrets.token_hex(8)}",
        "object": "event",
        "created": int(time.time()),
        "data": {"object": obj},
        "livemode": False,
        "type": event_type,
    }


def forged_refund(victim: Order) -> dict:
    charge = copy.deepcopy(fixture("charge_refunded.json")["data"]["object"])
    amount = to_minor_units(victim.price, victim.currency)
    charge.update(
        {
            "id": "ch_forged_0001",
            "amount": amount,
            "amount_refunded": amount,
            "refunded": True,
            "currency": victim.currency,
            "payment_intent": payment_intent_of(victim),
            "metadata": {ORDER_METADATA_KEY: str(victim.public_id)},
        }
    )
    return _forged("charge.refunded", charge)


def forged_dispute(victim: Order) -> dict:
    dispute = copy.deepcopy(fixture("charge_dispute_created.json")["data"]["object"])
    dispute.update(
        {
            "id": "dp_forged_0001",
            "amount": to_minor_units(victim.price, victim.currency),
            "currency": victim.currency,
            "payment_intent": payment_intent_of(victim),
            "charge": "ch_forged_0001",
        }
    )
    return _forged("charge.dispute.created", dispute)


def assert_untouched(victim: Order) -> None:
    victim.refresh_from_db()
    assert victim.status == Order.Status.PROVISIONED
    assert victim.amount_refunded == 0
    assert victim.disputed_at is None
    assert not KeyAdjustment.objects.filter(order=victim).exists()
    [key] = upstream_keys()
    assert key.enabled is True
    assert key.traffic_cap_gb == victim.gb


@pytest.mark.postgres
def test_a_sandbox_deployment_accepts_nothing_signed_with_the_published_secret(client, buy, settings, monkeypatch):
    victim = buy()
    # The secret a demo deployment (SANDBOX_ALLOWED=true, no Stripe keys) really runs with.
    deployed = import_settings("storefront.settings.production", production_env(), monkeypatch)
    settings.STRIPE_WEBHOOK_SECRET = deployed.STRIPE_WEBHOOK_SECRET
    events_before = ProviderEvent.objects.count()

    dispute = post_event(client, forged_dispute(victim), secret=PUBLISHED_SANDBOX_SECRET)
    refund = post_event(client, forged_refund(victim), secret=PUBLISHED_SANDBOX_SECRET)

    assert (dispute.status_code, refund.status_code) == (400, 400)
    assert ProviderEvent.objects.count() == events_before
    assert_untouched(victim)


def test_without_a_configured_secret_the_webhook_refuses_every_delivery(client, start_checkout, settings):
    settings.STRIPE_WEBHOOK_SECRET = ""
    order, _session = start_checkout()
    body = json.dumps(forged_refund(order))

    for header in (sign(body, secret=PUBLISHED_SANDBOX_SECRET), "", "t=1,v1=0"):
        response = client.post(WEBHOOK_URL, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)
        assert response.status_code == 400
        assert outcome_of(response) == "not_configured"
    assert ProviderEvent.objects.count() == 0


@pytest.mark.postgres
def test_a_signed_refund_of_a_charge_the_sandbox_never_made_is_rejected(client, buy):
    victim = buy()

    response = post_event(client, forged_refund(victim))

    assert response.status_code == 200  # acknowledged; its job did the processing
    assert outcome_of(response) == "rejected"
    assert_untouched(victim)


@pytest.mark.postgres
def test_a_signed_dispute_the_sandbox_never_opened_is_rejected(client, buy):
    victim = buy()

    response = post_event(client, forged_dispute(victim))

    assert response.status_code == 200  # acknowledged; its job did the processing
    assert outcome_of(response) == "rejected"
    assert_untouched(victim)


@pytest.mark.postgres
def test_a_refund_event_that_overstates_the_sandbox_charge_is_corrected_by_the_reread(client, buy):
    victim = buy()
    event = charge_refunded(victim, amount_refunded=Decimal("0"))  # the sandbox's charge: nothing refunded
    event["data"]["object"].update({"amount_refunded": 3500, "refunded": True})  # the event says: all of it

    response = post_event(client, event)

    assert response.status_code == 200
    assert outcome_of(response) == "refund_already_recorded"
    assert_untouched(victim)
