"""Billing tests run against the real pool-key services and the in-process sandbox upstream;
Stripe is met only at its boundary: signed webhook payloads, the sandbox checkout, or a fake
HTTP client under the official library (stripe_fakes.py)."""

from decimal import Decimal

import pytest

from apps.billing.models import Order
from apps.billing.providers.stripe import client as stripe_client
from apps.billing.services import checkout_start
from apps.sandbox.payments.models import SandboxCheckoutSession

from .factories import PlanFactory
from .stripe_events import completed_paid, post_event
from .stripe_fakes import REAL_WEBHOOK_SECRET, FakeStripeServer


@pytest.fixture(autouse=True)
def _billing_settings(settings):
    # One attempt per upstream call: faults reach the billing layer, whose retries are under
    # test (and nothing sleeps for real in the client's own backoff).
    settings.PROXIES_SX_MAX_ATTEMPTS = 1
    settings.OPERATOR_EMAILS = ["ops@example.com"]
    settings.REFUND_POLICY = "reduce_cap"
    stripe_client.reset_client()
    yield
    stripe_client.reset_client()


@pytest.fixture
def plan(db):
    return PlanFactory(slug="starter", name="Starter", gb=Decimal("5"), price=Decimal("35.00"), validity_days=30)


@pytest.fixture
def pro_plan(db):
    return PlanFactory(
        slug="pro", name="Pro", gb=Decimal("25"), price=Decimal("150.00"), validity_days=30, highlighted=True
    )


@pytest.fixture
def start_checkout(customer, plan):
    """Runs the real checkout service: a pending order and its sandbox checkout session."""

    def _start(*, user=None, for_plan=None) -> tuple[Order, SandboxCheckoutSession]:
        start = checkout_start(customer=user or customer, plan=for_plan or plan)
        return start.order, SandboxCheckoutSession.objects.get(order=start.order)

    return _start


@pytest.fixture
def buy(client, start_checkout):
    """A whole purchase: checkout, then a signed checkout.session.completed (paid)."""

    def _buy(**kwargs) -> Order:
        order, session = start_checkout(**kwargs)
        response = post_event(client, completed_paid(session))
        assert response.status_code == 200, response.content
        order.refresh_from_db()
        return order

    return _buy


@pytest.fixture
def stripe_api(settings):
    """Real Stripe mode against a local fake Stripe API behind STRIPE_API_BASE."""
    with FakeStripeServer() as fake:
        settings.STRIPE_SECRET_KEY = "sk_test_" + "4" * 24
        settings.STRIPE_SANDBOX = False
        settings.STRIPE_WEBHOOK_SECRET = REAL_WEBHOOK_SECRET
        settings.STRIPE_API_BASE = fake.url
        settings.STRIPE_MAX_NETWORK_RETRIES = 0
        stripe_client.reset_client()
        yield fake
    stripe_client.reset_client()
