"""Charges and disputes as the payment simulator keeps them, the way Stripe's API returns them.

Billing re-reads a charge or dispute from here before acting on a `charge.*` event, so an event
that names an unknown id is refused (StripeNotFound, as Stripe answers) and one that misstates
an amount is corrected by the re-read. Lookups only; operator actions are in actions.py."""

from typing import Any

from apps.billing.providers.stripe.client import StripeNotFound

from .events import new_id, unix
from .models import SandboxCharge, SandboxCheckoutSession, SandboxDispute


def sandbox_charge_for_session(*, session: SandboxCheckoutSession) -> SandboxCharge:
    """The charge a paid session made, created on first use (one per session: the one-to-one
    constraint decides, not a prior read)."""
    charge, _created = SandboxCharge.objects.get_or_create(
        session=session,
        defaults={
            "id": new_id("ch_sandbox_"),
            "payment_intent_id": session.payment_intent_id,
            "amount": session.amount_total,
            "currency": session.currency,
            "metadata": dict(session.metadata),  # Checkout copies payment_intent_data.metadata
        },
    )
    return charge


def sandbox_charge_dict(charge: SandboxCharge) -> dict[str, Any]:
    session = charge.session
    dispute = SandboxDispute.objects.filter(charge=charge).first()
    return {
        "id": charge.id,
        "object": "charge",
        "amount": charge.amount,
        "amount_captured": charge.amount,
        "amount_refunded": charge.amount_refunded,
        "billing_details": {"email": session.customer_email or None},
        "captured": True,
        "created": unix(charge.created_at),
        "currency": charge.currency,
        "customer": session.customer_id or None,
        "disputed": dispute is not None,
        "livemode": False,
        "metadata": charge.metadata,
        "paid": True,
        "payment_intent": charge.payment_intent_id,
        "refunded": charge.refunded,
        "status": "succeeded",
    }


def sandbox_dispute_dict(dispute: SandboxDispute) -> dict[str, Any]:
    return {
        "id": dispute.id,
        "object": "dispute",
        "amount": dispute.amount,
        "charge": dispute.charge_id,
        "created": unix(dispute.created_at),
        "currency": dispute.currency,
        "is_charge_refundable": False,
        "livemode": False,
        "metadata": {},
        "payment_intent": dispute.charge.payment_intent_id,
        "reason": dispute.reason,
        "status": dispute.status,
    }


def sandbox_charge_retrieve(charge_id: str) -> dict[str, Any]:
    charge = SandboxCharge.objects.select_related("session").filter(pk=charge_id).first()
    if charge is None:
        raise StripeNotFound(f"No such charge: '{charge_id}'")
    return sandbox_charge_dict(charge)


def sandbox_dispute_retrieve(dispute_id: str) -> dict[str, Any]:
    dispute = SandboxDispute.objects.select_related("charge").filter(pk=dispute_id).first()
    if dispute is None:
        raise StripeNotFound(f"No such dispute: '{dispute_id}'")
    return sandbox_dispute_dict(dispute)


def sandbox_payment_intent_retrieve(payment_intent_id: str) -> dict[str, Any]:
    """The payment intent behind a session: its metadata names the order, as on Stripe."""
    session = SandboxCheckoutSession.objects.filter(payment_intent_id=payment_intent_id).first()
    if session is None:
        raise StripeNotFound(f"No such payment_intent: '{payment_intent_id}'")
    charge = SandboxCharge.objects.filter(session=session).first()
    paid = session.payment_status == SandboxCheckoutSession.PaymentStatus.PAID
    return {
        "id": session.payment_intent_id,
        "object": "payment_intent",
        "amount": session.amount_total,
        "amount_received": session.amount_total if paid else 0,
        "currency": session.currency,
        "latest_charge": charge.id if charge else None,
        "livemode": False,
        "metadata": dict(session.metadata),
        "status": "succeeded" if paid else "requires_payment_method",
    }


def sandbox_charge_find(ref: str) -> SandboxCharge | None:
    """A charge by its id, its payment intent or its session (what an operator has to hand)."""
    ref = ref.strip()
    found = SandboxCharge.objects.select_related("session__order")
    return (
        found.filter(pk=ref).first()
        or found.filter(payment_intent_id=ref).first()
        or found.filter(session_id=ref).first()
    )
