"""Shared fixtures for the dashboard tests (imported by test_dashboard*.py / test_views*.py).

The upstream is the sandbox, in process, through the real client (tests.proxies.fakes): a
customer's key is minted there, so reveal, regenerate and the gateway's secret check are real.
"""

import random
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.billing.models import Order, Payment, Plan
from apps.proxies.services import pool_key_mint
from tests.factories import UserFactory
from tests.proxies.fakes import sandbox_upstream


@pytest.fixture
def upstream(db, monkeypatch):
    """The sandbox behind the real client, counted (`upstream.calls["stock"]`)."""
    from apps.sandbox.upstream.faults import faults_clear

    faults_clear()
    return sandbox_upstream(monkeypatch, max_attempts=1)


@pytest.fixture
def customer(db):
    return UserFactory()


@pytest.fixture
def other_customer(db):
    return UserFactory()


def mint_key(customer, *, cap_gb=Decimal(10), expires_in_days: int | None = 30):
    expires_at = timezone.now() + timedelta(days=expires_in_days) if expires_in_days is not None else None
    return pool_key_mint(
        customer=customer,
        label=f"sf-u{customer.pk}-{uuid.uuid4().hex[:8]}",
        cap_gb=cap_gb,
        expires_at=expires_at,
        idempotency_key=f"test-mint-{uuid.uuid4().hex}",
    )


@pytest.fixture
def key(upstream, customer):
    return mint_key(customer)


@pytest.fixture
def logged_in(client, customer):
    client.force_login(customer)
    return client


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
