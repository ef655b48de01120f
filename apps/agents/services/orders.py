"""Opening an x402 order: the billing order (the quoted GB, days and USDC price, in usd: USDC is a
dollar token), its x402 Payment row named by the authorization, and the x402 order row, in one
transaction. The unique authorization (and the payment's unique reference) decide a race."""

from decimal import Decimal

from django.db import transaction

from apps.billing.models import Plan
from apps.billing.providers.base import CheckoutRedirect
from apps.billing.providers.x402 import protocol
from apps.billing.services import order_open, payment_attach_checkout, payment_create
from apps.proxies.fulfilment import PoolTraffic

from ..models import X402Purchase
from ..selectors import Quote

BOOKING_PLAN_SLUG = "x402-pool-traffic"


def _booking_plan(quote: Quote) -> Plan:
    """The plan the order is booked under: the one whose USDC price applied, else a hidden plan
    (never on sale on the site) that stands for "pool traffic bought over x402"."""
    if quote.plan is not None:
        return quote.plan
    plan, _ = Plan.objects.get_or_create(
        slug=BOOKING_PLAN_SLUG,
        defaults={
            "name": "Proxy traffic (x402)",
            "product_kind": PoolTraffic.kind,
            "gb": Decimal("1"),
            "price": Decimal("1.00"),
            "currency": "usd",
            "active": False,
        },
    )
    return plan


def x402_order_open(
    *, customer, quote: Quote, kind: str, auth: protocol.Authorization, header_sha256: str, key_id: int | None = None
) -> X402Purchase:
    """The pending order, its x402 payment (pending, referenced by the authorization) and the x402
    order row. Raises IntegrityError when this authorization was already taken (the caller
    answers as for a replay)."""
    plan = _booking_plan(quote)
    with transaction.atomic():
        # The hidden booking plan is not on sale (inactive): the order's plan and the agent
        # account are not re-validated as a checkout's would be.
        order = order_open(
            customer=customer,
            plan=plan,
            plan_name=plan.name if quote.plan is not None else "Proxy traffic (x402)",
            quantity=quote.gb,
            price=quote.price,
            currency="usd",
            validity_days=quote.days,
            audit={"currency": "usdc", "provider": "x402", "payer": auth.payer},
            clean_exclude=("customer", "plan"),
        )
        payment = payment_create(order=order, provider="x402")
        payment_attach_checkout(
            payment_id=payment.pk,
            redirect=CheckoutRedirect(
                reference=auth.reference,
                url="",
                customer_reference=auth.payer,
                info={
                    "asset": "USDC",
                    "asset_address": auth.asset,
                    "network": auth.network,
                    "payer": auth.payer,
                    "value": str(auth.value),
                },
            ),
        )
        return X402Purchase.objects.create(
            kind=kind,
            customer=customer,
            order=order,
            payment=payment,
            key_id=key_id,
            network=auth.network,
            payer=auth.payer,
            pay_to=auth.pay_to,
            asset=auth.asset,
            nonce=auth.nonce,
            value=Decimal(auth.value),
            header_sha256=header_sha256,
        )
