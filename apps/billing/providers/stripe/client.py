"""The one module that imports `stripe`. A thin client: pinned API version, explicit timeouts,
plain dicts out, and two kinds of errors (worth retrying later, or not: billing's provider errors,
apps/billing/errors.py)."""

import functools
import json
from typing import Any

import stripe
from django.conf import settings

from apps.billing.errors import (
    PaymentProviderError,
    PaymentProviderNotFound,
    PaymentProviderRejected,
    PaymentProviderUnavailable,
)

# Pinned: the version stripe-python 16.x is generated for. Change it only together with the library.
STRIPE_API_VERSION = "2026-10-28.endive"


class StripeCallError(PaymentProviderError):
    pass


class StripeUnavailable(StripeCallError, PaymentProviderUnavailable):
    """Network trouble, rate limit or a Stripe-side error: try again later."""


class StripeRequestRejected(StripeCallError, PaymentProviderRejected):
    """Stripe refused the request (bad parameters, bad key, missing object)."""


class StripeNotFound(StripeRequestRejected, PaymentProviderNotFound):
    pass


class WebhookSignatureInvalid(Exception):
    """Missing or wrong Stripe-Signature, or a timestamp outside the tolerance."""


class WebhookPayloadInvalid(Exception):
    """A correctly signed body that is not a Stripe event."""


def _http_client(connect_timeout: float, read_timeout: float) -> stripe.HTTPClient:
    return stripe.RequestsClient(timeout=(connect_timeout, read_timeout))


@functools.lru_cache(maxsize=4)
def _client_for(
    api_key: str, api_base: str, connect_timeout: float, read_timeout: float, max_retries: int
) -> stripe.StripeClient:
    return stripe.StripeClient(
        api_key,
        stripe_version=STRIPE_API_VERSION,
        base_addresses={"api": api_base} if api_base else {},
        max_network_retries=max_retries,
        http_client=_http_client(connect_timeout, read_timeout),
    )


def _client() -> stripe.StripeClient:
    if not settings.STRIPE_SECRET_KEY:
        raise StripeRequestRejected("STRIPE_SECRET_KEY is not set (sandbox payments are on).")
    return _client_for(
        settings.STRIPE_SECRET_KEY,
        settings.STRIPE_API_BASE,
        float(settings.STRIPE_CONNECT_TIMEOUT),
        float(settings.STRIPE_READ_TIMEOUT),
        int(settings.STRIPE_MAX_NETWORK_RETRIES),
    )


def reset_client() -> None:
    _client_for.cache_clear()


def _call(fn, *args, **kwargs) -> dict[str, Any]:
    try:
        result = fn(*args, **kwargs)
    except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
        raise StripeUnavailable(str(exc.user_message or exc), request_id=exc.request_id) from exc
    except stripe.InvalidRequestError as exc:
        error: type[StripeCallError] = StripeNotFound if exc.http_status == 404 else StripeRequestRejected
        raise error(str(exc.user_message or exc), request_id=exc.request_id, code=exc.code) from exc
    except stripe.StripeError as exc:
        status = exc.http_status or 0
        error = StripeUnavailable if status >= 500 or status == 0 else StripeRequestRejected
        raise error(str(exc.user_message or exc), request_id=exc.request_id, code=exc.code) from exc
    return result.to_dict()


def customer_create(*, email: str, user_ref: str, idempotency_key: str) -> dict[str, Any]:
    return _call(
        _client().v1.customers.create,
        {"email": email, "metadata": {"storefront_user": user_ref}},
        {"idempotency_key": idempotency_key},
    )


def checkout_session_create(*, params: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
    return _call(_client().v1.checkout.sessions.create, params, {"idempotency_key": idempotency_key})


def checkout_session_retrieve(session_id: str) -> dict[str, Any]:
    return _call(_client().v1.checkout.sessions.retrieve, session_id)


def charge_retrieve(charge_id: str) -> dict[str, Any]:
    return _call(_client().v1.charges.retrieve, charge_id)


def payment_intent_retrieve(payment_intent_id: str) -> dict[str, Any]:
    return _call(_client().v1.payment_intents.retrieve, payment_intent_id)


def invoice_retrieve(invoice_id: str) -> dict[str, Any]:
    return _call(_client().v1.invoices.retrieve, invoice_id)


def dispute_retrieve(dispute_id: str) -> dict[str, Any]:
    return _call(_client().v1.disputes.retrieve, dispute_id)


def refund_create(*, payment_intent_id: str, amount: int, idempotency_key: str) -> dict[str, Any]:
    return _call(
        _client().v1.refunds.create,
        {"payment_intent": payment_intent_id, "amount": amount},
        {"idempotency_key": idempotency_key},
    )


def webhook_event_construct(*, payload: bytes, signature: str | None, secret: str) -> dict[str, Any]:
    """Verifies the signature (official library, default tolerance) and returns the event."""
    try:
        event = stripe.Webhook.construct_event(payload, signature, secret)
    except stripe.SignatureVerificationError as exc:
        raise WebhookSignatureInvalid(str(exc)) from exc
    except (ValueError, TypeError, AttributeError, UnicodeDecodeError, RecursionError) as exc:
        # The signature matched but the body is not a JSON object (or nests too deep to parse).
        raise WebhookPayloadInvalid("The body is not a Stripe event.") from exc
    return event.to_dict()


def webhook_signature_header(*, payload: str, secret: str, timestamp: int | None = None) -> str:
    """A Stripe-Signature header exactly as Stripe builds it (t=…,v1=HMAC-SHA256). For tests and
    benchmarks: they sign, the webhook still verifies through `webhook_event_construct`."""
    return stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp=timestamp)


def event_json(event: dict[str, Any]) -> str:
    return json.dumps(event, separators=(",", ":"), sort_keys=False)
