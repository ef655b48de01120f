"""Stripe Checkout as a payment provider: a Checkout Session per Payment, events verified with the
endpoint secret, every object re-read from Stripe before the shop acts on it."""

import time
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.urls import reverse

from apps.billing.models import ORDER_METADATA_KEY, Order, Payment
from apps.billing.money import to_minor_units

from ...quantity import quantity_text, sold_by_the_gb
from ..base import CheckoutRedirect, EventFacts, EventHeader, EventInvalid, PaymentProvider, PaymentReread
from . import client as stripe_client
from .events import StripeEvents


def checkout_session_params(*, order: Order, customer_reference: str) -> dict[str, Any]:
    status_path = reverse("billing:order_status", args=[order.public_id])
    cancel_path = reverse("billing:order_cancel", args=[order.public_id])
    description = (
        f"{order.gb.normalize():f} GB of proxy traffic"
        if sold_by_the_gb(order.product_kind)
        else f"{quantity_text(order.gb, order.product_kind)}: {order.plan_name}"
    )
    if order.validity_days:
        description += f", valid {order.validity_days} days"
    metadata = {ORDER_METADATA_KEY: str(order.public_id)}
    params: dict[str, Any] = {
        "mode": "payment",
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": order.currency,
                    "unit_amount": to_minor_units(order.price, order.currency),
                    "product_data": {"name": order.plan_name, "description": description},
                },
            }
        ],
        "client_reference_id": str(order.public_id),
        "metadata": metadata,
        # Carried onto the payment, so refunds and disputes can be traced back to the order.
        "payment_intent_data": {"metadata": metadata},
        "success_url": f"{settings.SITE_URL}{status_path}?session_id={{CHECKOUT_SESSION_ID}}",
        "cancel_url": f"{settings.SITE_URL}{cancel_path}",
    }
    if customer_reference:
        params["customer"] = customer_reference
    else:
        params["customer_email"] = order.customer.email
    params.update(_invoicing_params(metadata=metadata, with_customer=bool(customer_reference)))
    return params


def _invoicing_params(*, metadata: dict[str, str], with_customer: bool) -> dict[str, Any]:
    """Invoices, billing details, tax and promotion codes (docs/billing.md, "Invoices and tax")."""
    params: dict[str, Any] = {}
    if settings.STRIPE_INVOICES:
        # Stripe issues, numbers and hosts the invoice (page and PDF) for this payment.
        params["invoice_creation"] = {"enabled": True, "invoice_data": {"metadata": metadata}}
    if settings.STRIPE_COLLECT_BILLING_DETAILS:
        params["billing_address_collection"] = "required"
        params["tax_id_collection"] = {"enabled": True}
    if settings.STRIPE_AUTOMATIC_TAX:
        params["automatic_tax"] = {"enabled": True}
    if with_customer and (settings.STRIPE_COLLECT_BILLING_DETAILS or settings.STRIPE_AUTOMATIC_TAX):
        # An existing customer: Checkout may save the address and name it collects (tax needs them).
        params["customer_update"] = {"address": "auto", "name": "auto"}
    if settings.STRIPE_PROMOTION_CODES:
        params["allow_promotion_codes"] = True
    return params


def _well_formed(event: dict[str, Any]) -> bool:
    data = event.get("data")
    return (
        isinstance(event.get("id"), str)
        and bool(event["id"])
        and len(event["id"]) <= 255
        and isinstance(event.get("type"), str)
        and bool(event["type"])
        and len(event["type"]) <= 100
        and isinstance(data, dict)
        and isinstance(data.get("object"), dict)
    )


class StripeProvider(PaymentProvider):
    name = "stripe"
    label = "Stripe"
    uses_customers = True
    supports_refund = True

    @property
    def client(self):
        """The Stripe API (the sandbox provider answers the same calls from the simulator)."""
        return stripe_client

    @property
    def events(self) -> StripeEvents:
        return StripeEvents(provider=self.name, client=self.client)

    def is_available(self) -> bool:
        return not settings.STRIPE_SANDBOX

    def customer_create(self, *, user, idempotency_key: str) -> str:
        customer = self.client.customer_create(email=user.email, user_ref=str(user.pk), idempotency_key=idempotency_key)
        return customer["id"]

    def _session_create(self, *, order: Order, params: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        return self.client.checkout_session_create(params=params, idempotency_key=idempotency_key)

    def checkout_start(self, *, order: Order, payment: Payment, customer_reference: str = "") -> CheckoutRedirect:
        session = self._session_create(
            order=order,
            params=checkout_session_params(order=order, customer_reference=customer_reference),
            idempotency_key=f"{order.idempotency_prefix}-checkout",
        )
        expires_at = session.get("expires_at")
        # Kept on the payment, so the expiry job knows which checkouts to re-read (and when).
        info = {"checkout_expires_at": expires_at} if isinstance(expires_at, int) else {}
        return CheckoutRedirect(
            reference=session["id"], url=session["url"], customer_reference=customer_reference, info=info
        )

    def payment_reread(self, *, payment: Payment) -> PaymentReread:
        session = self.client.checkout_session_retrieve(payment.reference)
        expires_at = session.get("expires_at")
        url = session.get("url") or ""
        status = session.get("status")
        ran_out = status == "open" and isinstance(expires_at, int) and expires_at <= time.time()
        return PaymentReread(
            checkout_open=status == "open" and bool(url) and isinstance(expires_at, int) and not ran_out,
            url=url,
            expires_at=datetime.fromtimestamp(expires_at, UTC) if isinstance(expires_at, int) else None,
            provider_status=session.get("payment_status") or "",
            checkout_expired=status == "expired" or ran_out,
        )

    def event_verify(self, *, payload: bytes, headers: Mapping[str, str]) -> dict[str, Any]:
        """Without a configured secret every delivery is refused: no published secret is ever
        accepted (sandbox payments mode unless you set your own)."""
        secret = settings.STRIPE_WEBHOOK_SECRET
        if not secret:
            raise EventInvalid("not_configured", "this shop takes no webhook deliveries (no STRIPE_WEBHOOK_SECRET)")
        try:
            return stripe_client.webhook_event_construct(
                payload=payload, signature=headers.get("Stripe-Signature"), secret=secret
            )
        except stripe_client.WebhookSignatureInvalid:
            raise EventInvalid("bad_signature", "signature verification failed") from None
        except stripe_client.WebhookPayloadInvalid:
            raise EventInvalid("malformed", "body is not a Stripe event") from None

    def event_header(self, event: dict[str, Any]) -> EventHeader:
        if not _well_formed(event):
            raise EventInvalid("malformed", "body is not a Stripe event")
        return EventHeader(event_id=event["id"], type=event["type"], livemode=bool(event.get("livemode")))

    def event_order(self, event: dict[str, Any]) -> Order | None:
        return self.events.order(event)

    def event_facts(self, *, event: dict[str, Any], order: Order) -> EventFacts | None:
        return self.events.facts(event=event, order=order)

    def invoice_url(self, *, reference: str) -> str:
        """Stripe's hosted invoice page (it links the PDF), read fresh: Stripe's URLs can change."""
        invoice = self.client.invoice_retrieve(reference)
        url = invoice.get("hosted_invoice_url") or invoice.get("invoice_pdf")
        if not isinstance(url, str) or not url.startswith("https://"):
            raise stripe_client.StripeRequestRejected("the invoice has no hosted page yet")
        return url

    def refund(self, *, payment: Payment, amount: Decimal, idempotency_key: str) -> str:
        refund = self.client.refund_create(
            payment_intent_id=payment.payment_reference,
            amount=to_minor_units(amount, payment.currency),
            idempotency_key=idempotency_key,
        )
        return refund["id"]
