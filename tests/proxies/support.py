"""Helpers for the dashboard tests (their fixtures are in conftest.py): keys minted through the
real services on the sandbox, orders made without checkout, live sessions opened in the sandbox.
"""

import random
import uuid
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from apps.billing.models import Order, Payment, Plan
from apps.proxies.services import pool_key_mint


def mint_key(customer, *, cap_gb=Decimal(10), expires_in_days: int | None = 30):
    expires_at = timezone.now() + timedelta(days=expires_in_days) if expires_in_days is not None else None
    return pool_key_mint(
        customer=customer,
        label=f"sf-u{customer.pk}-{uuid.uuid4().hex[:8]}",
        cap_gb=cap_gb,
        expires_at=expires_at,
        idempotency_key=f"test-mint-{uuid.uuid4().hex}",
    )


def make_plan(**overrides) -> Plan:
    values = {
        "slug": f"plan-{uuid.uuid4().hex[:6]}",
        "name": "Starter",
        "gb": Decimal(5),
        "price": Decimal(35),
        "currency": "usd",
        "validity_days": 30,
    }
    values.update(overrides)
    return Plan.objects.create(**values)


def make_order(
    customer, *, status=Order.Status.PROVISIONED, plan: Plan | None = None, charged=None, **overrides
) -> Order:
    """An order; a paid one has a confirmed payment of `charged` (default: the price)."""
    plan = plan or make_plan()
    paid = status in {Order.Status.PAID, Order.Status.PROVISIONED, Order.Status.REFUNDED, Order.Status.DISPUTED}
    values = {
        "customer": customer,
        "plan": plan,
        "plan_name": plan.name,
        "gb": plan.gb,
        "price": plan.price,
        "currency": plan.currency,
        "validity_days": plan.validity_days,
        "status": status,
        "paid_at": timezone.now() if paid else None,
    }
    values.update(overrides)
    order = Order.objects.create(**values)
    if paid:
        received = plan.price if charged is None else charged
        Payment.objects.create(
            order=order,
            provider="sandbox",
            state=Payment.State.CONFIRMED,
            amount=order.price,
            currency=order.currency,
            amount_received=received,
            currency_received=order.currency,
            confirmed_at=order.paid_at,
        )
    return order


def open_session(key, part: str, *, synthesized: bool = False, country: str = "us", sid: str | None = None):
    """A live session in the sandbox, as the gateway would open for a URL with this sid."""
    from apps.sandbox.upstream import clock
    from apps.sandbox.upstream.sessions import session_touch

    session_id = None if synthesized else (sid or f"{key.session_tag}_{part}")
    return session_touch(
        pak_id=key.upstream_id,
        session_id=session_id,
        now=clock.now(),
        rng=random.Random(part),
        bytes_total=250_000,
        country=country,
    )


def add_busy_load(customer, *, keys: list, plan: Plan, orders: int = 200, sessions: int = 50) -> None:
    """What the dashboard must not slow down with (issue 17): `orders` orders spread over `keys`
    (three in four provisioned), `sessions` live sessions on the newest key (the last one)."""
    for i in range(orders):
        if i % 4:
            make_order(customer, plan=plan, status=Order.Status.PROVISIONED, fulfilment_ref=str(keys[i % len(keys)].pk))
        else:
            make_order(customer, plan=plan, status=Order.Status.EXPIRED)
    for i in range(sessions):
        open_session(keys[-1], f"s{i}")
