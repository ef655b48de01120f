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

from apps.billing.models import ORDER_METADATA_KEY, Order
from apps.billing.money import to_minor_units
from apps.billing.providers.stripe.client import webhook_signature_header
from apps.sandbox.payments.charges import sandbox_charge_dict, sandbox_charge_for_session, sandbox_dispute_dict
from apps.sandbox.payments.checkout import sandbox_session_dict
from apps.sandbox.payments.events import sandbox_event
from apps.sandbox.payments.models import SandboxCharge, SandboxCheckoutSession, SandboxDispute

WEBHOOK_URL = "/billing/stripe/webhook/"
FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def sign(body: str, *, secret: str | None = None, timestamp: int | None = None) -> str:
    return webhook_signature_header(payload=body, secret=secret or settings.STRIPE_WEBHOOK_SECRET, timestamp=timestamp)


def outcome_of(response) -> str:
    """What processing a delivery came to. The webhook only acknowledges ("queued") and its job
    runs after the commit, so the outcome is the stored event's; a redelivery of a processed
    event is answered "duplicate" by the acknowledgement itself."""
    from apps.billing.models import ProviderEvent

    body = response.json()
    if body["outcome"] != "queued":
        return body["outcome"]
    return ProviderEvent.objects.get(event_id=body["event"]).outcome


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


def payment_intent_of(order: Order) -> str:
    """The PaymentIntent recorded on the order's payment ("" before the checkout completed)."""
    return order.payments.exclude(payment_reference="").values_list("payment_reference", flat=True).first() or ""


def _sandbox_session(order: Order, payment_intent: str = "") -> SandboxCheckoutSession | None:
    sessions = SandboxCheckoutSession.objects.order_by("-created_at")
    if payment_intent:
        return sessions.filter(payment_intent_id=payment_intent).first()
    return sessions.filter(order=order).first()


def _sandbox_charge(order: Order, *, charge_id: str = "", payment_intent: str = "") -> SandboxCharge | None:
    """The charge as the payment sandbox holds it (made on first use, as a paid session makes one):
    what the webhook's re-read will see. `payment_intent` picks another payment's charge (events that
    name one order with another order's payment). None when no sandbox session backs the order (tests
    against the fake Stripe API, whose own records decide)."""
    if charge_id and (found := SandboxCharge.objects.filter(pk=charge_id).first()):
        return found
    session = _sandbox_session(order, payment_intent)
    if session is None:
        return None
    if charge_id:
        return SandboxCharge.objects.create(
            id=charge_id,
            session=session,
            payment_intent_id=session.payment_intent_id,
            amount=session.amount_total,
            currency=session.currency,
            metadata=dict(session.metadata),
        )
    return sandbox_charge_for_session(session=session)


def charge_refunded(order: Order, *, amount_refunded, charge_id: str = "", payment_intent: str = "") -> dict:
    """A charge.refunded event; `amount_refunded` is the charge's cumulative total (major units).
    The sandbox's charge records the refund first (refunds only ever add up, so an older event
    sent late carries a total below the charge's), as Stripe's would before it sends the event."""
    refunded_minor = to_minor_units(amount_refunded, order.currency)
    obj = copy.deepcopy(fixture("charge_refunded.json")["data"]["object"])
    charge = _sandbox_charge(order, charge_id=charge_id, payment_intent=payment_intent)
    if charge is None:
        amount = to_minor_units(order.amount_charged or order.price, order.currency)
        obj.update(
            {
                "id": charge_id or f"ch_test_{order.public_id.hex[:20]}",
                "amount": amount,
                "amount_captured": amount,
                "currency": order.currency,
                "payment_intent": payment_intent or payment_intent_of(order),
                "metadata": {ORDER_METADATA_KEY: str(order.public_id)},
            }
        )
    else:
        SandboxCharge.objects.filter(pk=charge.pk, amount_refunded__lt=refunded_minor).update(
            amount_refunded=refunded_minor
        )
        charge.refresh_from_db()
        obj.update(sandbox_charge_dict(charge))
        obj["metadata"] = {ORDER_METADATA_KEY: str(order.public_id)}  # the order the event names
    obj.update({"amount_refunded": refunded_minor, "refunded": refunded_minor >= obj["amount"]})
    return _envelope("charge.refunded", obj)


def dispute_created(order: Order, *, amount=None, dispute_id: str = "", payment_intent: str = "") -> dict:
    """A charge.dispute.created event, the sandbox's dispute on the order's charge (or on the charge of
    `payment_intent`) recorded first."""
    charge = _sandbox_charge(order, payment_intent=payment_intent)
    assert charge is not None, "the order has no sandbox checkout session"
    minor = to_minor_units(amount if amount is not None else order.price, order.currency)
    dispute = SandboxDispute.objects.filter(charge=charge).first()
    if dispute is None:
        dispute = SandboxDispute.objects.create(
            id=dispute_id or f"dp_test_{secrets.token_hex(8)}", charge=charge, amount=minor, currency=charge.currency
        )
    assert not dispute_id or dispute.id == dispute_id, "a charge has one dispute"
    obj = copy.deepcopy(fixture("charge_dispute_created.json")["data"]["object"])
    obj.update(sandbox_dispute_dict(dispute))
    return _envelope("charge.dispute.created", obj)


def dispute_closed(opened: dict, *, status: str) -> dict:
    """The charge.dispute.closed Stripe sends for the dispute of a dispute_created event, its outcome
    (`won`, `lost`, `warning_closed`, or still `under_review`) recorded in the payment sandbox first."""
    dispute = SandboxDispute.objects.get(pk=opened["data"]["object"]["id"])
    dispute.status = status
    dispute.save(update_fields=["status", "updated_at"])
    obj = copy.deepcopy(opened["data"]["object"])
    obj.update(sandbox_dispute_dict(dispute))
    return _envelope("charge.dispute.closed", obj)


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
