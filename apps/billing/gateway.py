"""Where payment calls go: Stripe when STRIPE_SECRET_KEY is set, the local test-payment sandbox
otherwise. Both answer with Stripe-shaped dicts, so the services never branch on the mode."""

from typing import Any

from django.conf import settings

from . import sandbox, stripe_client


def sandbox_active() -> bool:
    return bool(settings.STRIPE_SANDBOX)


def customer_create(*, email: str, user_ref: str, idempotency_key: str) -> dict[str, Any]:
    if sandbox_active():
        return sandbox.sandbox_customer_create(email=email, user_ref=user_ref)
    return stripe_client.customer_create(email=email, user_ref=user_ref, idempotency_key=idempotency_key)


def checkout_session_create(*, order, params: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
    if sandbox_active():
        return sandbox.sandbox_session_create(order=order, params=params)
    return stripe_client.checkout_session_create(params=params, idempotency_key=idempotency_key)


def checkout_session_retrieve(session_id: str) -> dict[str, Any]:
    """The session as the payment side sees it now (the webhook re-reads before acting)."""
    if sandbox_active():
        return sandbox.sandbox_session_retrieve(session_id)
    return stripe_client.checkout_session_retrieve(session_id)


def charge_retrieve(charge_id: str) -> dict[str, Any] | None:
    """None in the sandbox: it keeps no charges, the signed event is the record."""
    return None if sandbox_active() else stripe_client.charge_retrieve(charge_id)


def dispute_retrieve(dispute_id: str) -> dict[str, Any] | None:
    return None if sandbox_active() else stripe_client.dispute_retrieve(dispute_id)


def payment_intent_metadata(payment_intent_id: str) -> dict[str, Any]:
    if sandbox_active() or not payment_intent_id:
        return {}
    return stripe_client.payment_intent_retrieve(payment_intent_id).get("metadata") or {}
