"""The catalogue: plans for sale, exits online per country, active incidents."""

from typing import Any

from mcp.server.mcpserver.exceptions import ToolError

from apps.api.serializers.catalog import IncidentSerializer, PlanSerializer
from apps.billing.selectors import plan_list_active
from apps.ports.selectors import port_plans_by_slug
from apps.proxies.dashboard.live import active_incidents, stock_view
from apps.proxies.services import feeds

from .base import plain, tool

UNAVAILABLE = "The proxy network cannot be reached right now; try again in a minute."


@tool(title="List plans for sale")
def list_plans() -> dict[str, Any]:
    """The plans this shop sells: slug (pass it to create_order), name, product (pool_traffic = GB of
    proxy traffic on a pool key, or a dedicated port), quantity in GB, price and currency, validity
    in days. Needs the read scope."""
    context = {"port_plans": port_plans_by_slug()}
    return {"plans": plain(PlanSerializer(list(plan_list_active()), many=True, context=context).data)}


@tool(title="Stock per country")
def get_stock() -> dict[str, Any]:
    """How many proxy exits are online per country and pool right now (mbl = mobile, peer =
    residential), with totals. Use it to choose a country before build_proxy_urls. `stale` is true
    when the figures are older than usual. Needs the read scope."""
    feed = feeds.stock_feed(fetch=True)
    if not feed.available and feed.failed:
        raise ToolError(UNAVAILABLE)
    view = stock_view(feed, incidents=active_incidents(feeds.incidents_feed(fetch=False)))
    return plain(
        {
            "generated_at": view.generated_at,
            "fetched_at": view.fetched_at,
            "stale": view.stale,
            "totals": view.totals,
            "countries": [{"code": r.code, "name": r.name, "mbl": r.mbl, "peer": r.peer} for r in view.rows],
        }
    )


@tool(title="Active incidents")
def list_incidents() -> dict[str, Any]:
    """The proxy network's active incidents (outages, degraded countries or carriers), most severe
    first. Check it when proxies fail before blaming the configuration. Needs the read scope."""
    feed = feeds.incidents_feed(fetch=True)
    if not feed.available and feed.failed:
        raise ToolError(UNAVAILABLE)
    return {"incidents": plain(IncidentSerializer(active_incidents(feed), many=True).data)}
