"""An agent account gets x402 payment requirements from create_order (nothing is created until it
pays), and the stdio server speaks MCP with the key from STOREFRONT_API_KEY."""

import os
import sys
from pathlib import Path

import anyio
import pytest
from django.conf import settings as django_settings
from mcp import Client, StdioServerParameters

from apps.agents.services import agent_account_ensure
from apps.billing.models import Order
from apps.billing.providers.x402 import protocol
from tests.api.conftest import make_api_key

from .conftest import call, text_of

WALLET = "0x2222222222222222222222222222222222222222"
PAY_TO = "0x1111111111111111111111111111111111111111"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def x402_on(settings):
    settings.X402_ENABLED = True
    settings.X402_SANDBOX = True
    settings.X402_NETWORK = "base-sepolia"
    settings.X402_PAY_TO = PAY_TO
    protocol._server.cache_clear()
    yield
    protocol._server.cache_clear()


def test_an_agent_account_gets_the_x402_payment_requirements(mcp_url, x402_on):
    agent = agent_account_ensure(wallet=WALLET, network="eip155:84532")
    raw = make_api_key(agent.user, scopes=["read", "orders:write"])

    result = call(mcp_url, raw, "create_order", {"gb": 2, "days": 30})

    assert not result.is_error, text_of(result)
    data = result.structured_content
    assert data["x402"] is True and data["pay_url"].endswith("/x402/v1/pool-keys?gb=2&days=30")
    accepts = data["payment_required"]["accepts"][0]
    assert accepts["scheme"] == "exact" and accepts["payTo"] == PAY_TO
    assert not Order.objects.exists()


def test_a_customer_without_a_plan_is_told_to_give_one(mcp_url, full_key):
    result = call(mcp_url, full_key, "create_order", {})

    assert result.is_error and "plan" in text_of(result)


def test_the_stdio_server_answers_with_the_key_from_the_environment(transactional_db, customer, plan):
    raw = make_api_key(customer, scopes=["read"])
    database = django_settings.DATABASES["default"]
    login = database["USER"] + (f":{database['PASSWORD']}" if database.get("PASSWORD") else "")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "storefront.settings.test",
        "DATABASE_URL": f"postgres://{login}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "STOREFRONT_API_KEY": raw,
    }
    server = StdioServerParameters(
        command=sys.executable, args=[str(ROOT / "manage.py"), "mcp_server", "--stdio"], env=env, cwd=str(ROOT)
    )

    async def main():
        async with Client(server) as client:
            tools = await client.list_tools()
            return tools, await client.call_tool("list_plans", {})

    tools, plans = anyio.run(main)

    assert "create_order" in {tool.name for tool in tools.tools}
    assert "mcp-gb" in [p["slug"] for p in plans.structured_content["plans"]]
