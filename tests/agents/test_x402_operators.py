"""Operators see x402 orders (payer, network, transaction), agent accounts and USDC revenue."""

from decimal import Decimal

import pytest
from django.urls import reverse

from apps.agents.models import AgentAccount, X402PlanPrice, X402Purchase
from apps.agents.selectors import x402_quote
from apps.billing.providers.registry import provider_for_checkout
from tests.billing.factories import PlanFactory

from .test_x402_purchase import BUY

pytestmark = pytest.mark.django_db(transaction=True)


def test_operators_see_the_x402_order_and_the_agent(agent, ops):
    response, _ = agent.pay(BUY)
    purchase = X402Purchase.objects.get()

    page = ops.get(reverse("admin:agents_x402purchase_change", args=[purchase.pk]))
    listing = ops.get(reverse("admin:agents_x402purchase_changelist"))
    account = ops.get(reverse("admin:agents_agentaccount_changelist"))

    assert page.status_code == listing.status_code == account.status_code == 200
    for text in (agent.address, "eip155:84532", purchase.transaction, "Refunds are manual"):
        assert text in page.content.decode()
    assert AgentAccount.objects.get().wallet in account.content.decode()


def test_the_overview_shows_usdc_revenue(agent, ops):
    agent.pay(BUY)

    page = ops.get(reverse("admin:overview"))

    assert 'id="ov-revenue-usdc"' in page.content.decode()
    assert "8.00" in page.content.decode()


def test_x402_never_takes_the_sites_checkout(settings):
    assert provider_for_checkout().name != "x402"


def test_a_plan_price_in_usdc_applies_to_exactly_that_plan():
    plan = PlanFactory(slug="agent-5", gb=Decimal("5"), price=Decimal("30.00"), validity_days=30)
    X402PlanPrice.objects.create(plan=plan, usdc_price=Decimal("17.50"))

    assert x402_quote(gb="5", days="30").price == Decimal("17.50")
    assert x402_quote(gb="5", days="7").price == Decimal("20.00")  # 4.00 per GB
    assert x402_quote(gb="0.1").price == Decimal("1.00")  # the minimum charge
