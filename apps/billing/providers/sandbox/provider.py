"""The sandbox payment provider: Stripe-shaped in every way (the same sessions, charges, disputes
and events), answered by the payment simulator that settings.PAYMENTS_SANDBOX_BACKEND names,
loaded by its dotted path (billing never imports apps.sandbox). Available only while sandbox
payments are on (no STRIPE_SECRET_KEY); then it also answers Stripe's webhook URL, where a signed
delivery is still re-read from the simulator's records."""

from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from apps.billing.models import Order

from ..stripe.provider import StripeProvider


class SandboxProvider(StripeProvider):
    name = "sandbox"
    label = "Sandbox (test payments)"
    endpoint = "stripe"

    @property
    def client(self):
        return import_string(settings.PAYMENTS_SANDBOX_BACKEND)

    def is_available(self) -> bool:
        return bool(settings.STRIPE_SANDBOX)

    def _session_create(self, *, order: Order, params: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        return self.client.checkout_session_create(order=order, params=params, idempotency_key=idempotency_key)
