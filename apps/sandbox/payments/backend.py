"""The payment simulator as billing's sandbox provider sees it (settings.PAYMENTS_SANDBOX_BACKEND,
apps/billing/providers/sandbox/): the calls the Stripe provider makes to Stripe's API, answered
from the sandbox's own records with the same Stripe-shaped dicts and the same errors
(StripeNotFound for an unknown id)."""

from typing import Any

from .actions import sandbox_payment_refund
from .charges import sandbox_charge_retrieve, sandbox_dispute_retrieve, sandbox_payment_intent_retrieve
from .checkout import sandbox_customer_create, sandbox_session_create, sandbox_session_retrieve


class SandboxPayments:
    @staticmethod
    def customer_create(*, email: str, user_ref: str, idempotency_key: str) -> dict[str, Any]:
        return sandbox_customer_create(email=email, user_ref=user_ref)

    @staticmethod
    def checkout_session_create(*, order, params: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        return sandbox_session_create(order=order, params=params)

    @staticmethod
    def checkout_session_retrieve(session_id: str) -> dict[str, Any]:
        return sandbox_session_retrieve(session_id)

    @staticmethod
    def charge_retrieve(charge_id: str) -> dict[str, Any]:
        return sandbox_charge_retrieve(charge_id)

    @staticmethod
    def dispute_retrieve(dispute_id: str) -> dict[str, Any]:
        return sandbox_dispute_retrieve(dispute_id)

    @staticmethod
    def payment_intent_retrieve(payment_intent_id: str) -> dict[str, Any]:
        return sandbox_payment_intent_retrieve(payment_intent_id)

    @staticmethod
    def refund_create(*, payment_intent_id: str, amount: int, idempotency_key: str) -> dict[str, Any]:
        """Refunds the payment's charge (and sends `charge.refunded`, as Stripe would)."""
        return sandbox_payment_refund(payment_intent_id=payment_intent_id, amount=amount)
