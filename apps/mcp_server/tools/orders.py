"""Buying: a customer gets a checkout link to open in a browser; an agent account (a customer
that pays in USDC over x402, docs/x402.md) gets the x402 payment requirements instead."""

from typing import Annotated, Any
from urllib.parse import urlencode, urljoin

from django.conf import settings
from django.urls import reverse
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from apps.accounts.models import ApiKeyScope
from apps.agents.selectors import agent_account_for_user, x402_quote
from apps.agents.services import PaidRequest, x402_request_handle
from apps.api.serializers.orders import OrderSerializer
from apps.billing.errors import CheckoutRefused
from apps.billing.selectors import order_list_for_customer, plan_get_active
from apps.billing.services import checkout_start
from apps.proxies.selectors import pool_key_get_for_customer

from .base import caller, plain, tool

ORDERS_WRITE = ApiKeyScope.ORDERS_WRITE.value


def _absolute(path: str) -> str:
    return urljoin(settings.SITE_URL, path)


@tool(title="List orders")
def list_orders(
    limit: Annotated[int, Field(ge=1, le=100, description="How many of the newest orders.")] = 20,
) -> dict[str, Any]:
    """Your orders, newest first: status (pending, paid, fulfilled, failed, refunded...), plan, GB,
    amount, the key it delivered (key_id), and for a pending order its checkout_url. Needs the read
    scope."""
    orders = list(order_list_for_customer(customer=caller().customer)[:limit])
    data = OrderSerializer(orders, many=True).data
    for row in data:
        if row.get("checkout_url"):
            row["checkout_url"] = _absolute(row["checkout_url"])
    return {"orders": plain(data)}


@tool(title="Start a purchase", scope=ORDERS_WRITE, read_only=False)
def create_order(
    plan: Annotated[
        str | None, Field(max_length=50, description="A plan's slug (list_plans); required unless you pay over x402.")
    ] = None,
    target: Annotated[
        str,
        Field(
            max_length=64,
            description='Where the purchase goes: "" (your newest key, or a first key is created), "new" (a new '
            "key), or a key id from list_keys (that key is topped up).",
        ),
    ] = "",
    gb: Annotated[float | None, Field(gt=0, description="x402 accounts only: GB to buy when no plan is given.")] = None,
    days: Annotated[int | None, Field(ge=1, description="x402 accounts only: validity in days.")] = None,
) -> dict[str, Any]:
    """Starts a purchase. For a customer: creates a pending order and answers its checkout_url,
    which a human opens in a browser to pay (calling again for the same plan and target returns
    the same open checkout). For an agent account paying in USDC over x402: answers the x402
    payment requirements (scheme exact, network, USDC asset, payTo, amount) and the URL to send
    the signed payment to; nothing is created until the payment arrives there. Needs the
    orders:write scope."""
    customer = caller().customer
    if agent_account_for_user(user=customer) is not None:
        return _x402_requirements(customer, plan=plan, target=target, gb=gb, days=days)
    if not plan:
        raise ToolError("plan: give a plan's slug (see list_plans).")
    chosen = plan_get_active(slug=plan)
    try:
        start = checkout_start(customer=customer, plan=chosen, target_ref=target)
    except CheckoutRefused as exc:
        raise ToolError(f"target: {exc.message}") from None
    data = plain(OrderSerializer(start.order).data)
    data["checkout_url"] = _absolute(start.url)
    return {"order": data, "next_step": "Open checkout_url in a browser to pay."}


def _x402_requirements(customer, *, plan: str | None, target: str, gb: float | None, days: int | None) -> dict:
    if not settings.X402_ENABLED:
        raise ToolError("This shop does not sell over x402 at the moment.")
    quantity: object = gb
    if plan:
        chosen = plan_get_active(slug=plan)
        quantity, days = chosen.gb, days or chosen.validity_days
    if quantity is None:
        raise ToolError("gb: say how many GB to buy (or give a plan).")
    top_up = target not in ("", "new")
    if top_up:
        key = pool_key_get_for_customer(customer=customer, key_id=target)
        path = reverse("agents:pool_key_topup", args=[key.pk])
    else:
        path = reverse("agents:pool_keys")
    quote = x402_quote(gb=quantity, days=days, top_up=top_up)
    query = {"gb": f"{quote.gb.normalize():f}", **({"days": quote.days} if quote.days else {})}
    url = f"{_absolute(path)}?{urlencode(query)}"
    answer = x402_request_handle(request=PaidRequest(quote=quote, url=url))
    if answer.status != 402:
        raise ToolError(answer.body.get("detail") or "x402 payments are not available right now.")
    steps = "Sign the payment for one of `accepts` with the x402 client and send the request again to pay_url"
    if top_up:
        steps += " with your management token (Authorization: Bearer sfk_...)"
    return {
        "x402": True,
        "pay_url": url,
        "method": "POST" if top_up else "GET",
        "payment_required": answer.body,
        "next_step": steps + ". See docs/x402.md.",
    }
