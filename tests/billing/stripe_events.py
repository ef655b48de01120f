"""Stripe-shaped webhook deliveries for tests, signed exactly as Stripe signs them
(`t=<unix time>,v1=<HMAC-SHA256 of "<t>.<body>" with the endpoint secret>`, through the official
library's helper). Payload shapes follow the recorded samples in fixtures/."""

import copy
import json
import secrets
import time
from pathlib import Path

from django.conf import settings
from django.test import Client, TestCase

from apps.billing.models import ORDER_METADATA_KEY, Order, SandboxCheckoutSession
from apps.billing.money import to_minor_units
from apps.billing.sandbox import sandbox_event, sandbox_session_dict
from apps.billing.stripe_client import webhook_signature_header

WEBHOOK_URL = "/billing/stripe/webhook/"
FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def sign(body: str, *, secret: str | None = None, timestamp: int | None = None) -> str:
    return webhook_signature_header(payload=body, secret=secret or settings.STRIPE_WEBHOOK_SECRET, timestamp=timestamp)


def post_event(
    client: Client,
    event: dict | str | bytes,
    *,
    secret: str | None = None,
    timestamp: int | None = None,
    signature: str | None = None,
    sign_it: bool = True,
):
    """POSTs a delivery to the webhook. Work the webhook defers to after its commit (provisioning,
    emails) runs before this returns, as it would in production with inline jobs; inside a test
    transaction nothing really commits, so the callbacks are run explicitly."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return _post(client, event, secret=secret, timestamp=timestamp, signature=signature, sign_it=sign_it)


def _post(client, event, *, secret, timestamp, signature, sign_it):
    body = event if isinstance(event, str | bytes) else json.dumps(event)
    text = body.decode() if isinstance(body, bytes) else body
    headers = {}
    if sign_it:
        headers["Stripe-Signature"] = signature or sign(text, secret=secret, timestamp=timestamp)
    return client.post(WEBHOOK_URL, data=body, content_type="application/json", headers=headers)


def session_event(
    session: SandboxCheckoutSession,
    event_type: str = "checkout.session.completed",
    *,
    payment_status: str | None = None,
    status: str | None = None,
) -> dict:
    """Updates the sandbox's session (what a re-read will see) and returns the event Stripe sends."""
    fields = {}
    if payment_status is not None:
        fields["payment_status"] = payment_status
    if status is not None:
        fields["status"] = status
    if fields:
        SandboxCheckoutSession.objects.filter(pk=session.pk).update(**fields)
        session.refresh_from_db()
    return sandbox_event(type=event_type, obj=sandbox_session_dict(session))


def completed_paid(session: SandboxCheckoutSession) -> dict:
    return session_event(session, payment_status="paid", status="complete")


def charge_refunded(
    order: Order, *, amount_refunded, refunded: bool | None = None, charge_id: str = "", payment_intent: str = ""
) -> dict:
    """A charge.refunded event; `amount_refunded` is the charge's cumulative total (major units).
    `payment_intent` defaults to the one recorded on the order (pass the session's before then)."""
    charge = copy.deepcopy(fixture("charge_refunded.json")["data"]["object"])
    amount = to_minor_units(order.amount_paid or order.price, order.currency)
    refunded_minor = to_minor_units(amount_refunded, order.currency)
    charge.update(
        {
            "id": charge_id or f"ch_test_{order.public_id.hex[:20]}",
            "amount": amount,
            "amount_captured": amount,
            "amount_refunded": refunded_minor,
            "currency": order.currency,
            "payment_intent": payment_intent or order.stripe_payment_intent_id,
            "metadata": {ORDER_METADATA_KEY: str(order.public_id)},
            "refunded": refunded if refunded is not None else refunded_minor >= amount,
        }
    )
    return _envelope("charge.refunded", charge)


def dispute_created(order: Order, *, amount=None, dispute_id: str = "", payment_intent: str = "") -> dict:
    dispute = copy.deepcopy(fixture("charge_dispute_created.json")["data"]["object"])
    dispute.update(
        {
            "id": dispute_id or f"dp_test_{secrets.token_hex(8)}",
            "amount": to_minor_units(amount if amount is not None else order.price, order.currency),
            "currency": order.currency,
            "payment_intent": payment_intent or order.stripe_payment_intent_id,
            "charge": f"ch_test_{order.public_id.hex[:20]}",
        }
    )
    return _envelope("charge.dispute.created", dispute)


def dispute_closed(opened: dict, *, status: str) -> dict:
    """The charge.dispute.closed Stripe sends for the dispute of a dispute_created event."""
    dispute = copy.deepcopy(opened["data"]["object"])
    dispute["status"] = status
    return _envelope("charge.dispute.closed", dispute)


def _envelope(event_type: str, obj: dict) -> dict:
    return {
        "id": f"evt_test_{secrets.token_hex(12)}",
        "object": "event",
        "api_version": "2026-10-28.endive",
        "created": int(time.time()),
        "data": {"object": obj},
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": event_type,
    }
