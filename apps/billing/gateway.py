"""Where payment calls go: Stripe when STRIPE_SECRET_KEY is set, the payment simulator otherwise
(the class settings.PAYMENTS_SANDBOX_BACKEND names, loaded by its dotted path: billing never
imports apps.sandbox). Both answer with Stripe-shaped dicts and raise the same errors
(StripeNotFound for an unknown id), so the services never branch on the mode."""

from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from . import stripe_client


def sandbox_active() -> bool:
    return bool(settings.STRIPE_SANDBOX)


def _provider():
    return import_string(settings.PAYMENTS_SANDBOX_BACKEND) if sandbox_active() else stripe_client


def customer_create(*, email: str, user_ref: str, idempotency_key: str) -> dict[str, Any]:
    return _provider().customer_create(email=email, user_ref=user_ref, idempotency_key=idempotency_key)


def checkout_session_create(*, order, params: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
    if sandbox_active():
        return _provider().checkout_session_create(order=order, params=params, idempotency_key=idempotency_key)
    return stripe_client.checkout_session_create(params=params, idempotency_key=idempotency_key)


def checkout_session_retrieve(session_id: str) -> dict[str, Any]:
    """The session as the payment side sees it now (the webhook re-reads before acting)."""
    return _provider().checkout_session_retrieve(session_id)


def charge_retrieve(charge_id: str) -> dict[str, Any]:
    """The charge as the payment side holds it now; StripeNotFound for an id it does not know."""
    return _provider().charge_retrieve(charge_id)


def dispute_retrieve(dispute_id: str) -> dict[str, Any]:
    return _provider().dispute_retrieve(dispute_id)


def payment_intent_metadata(payment_intent_id: str) -> dict[str, Any]:
    if not payment_intent_id:
        return {}
    return _provider().payment_intent_retrieve(payment_intent_id).get("metadata") or {}
