"""Dedicated ports on the console overview: the reseller's upstream account as the background job
last read it (never an upstream call here), the margin of each port plan on sale against
the tariffs feed's slot price, and what the ports sold in a period cost (for the overall margin)."""

from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum

from apps.billing.models import Order, Plan
from apps.ports.models import PortPlan, UpstreamAccountSnapshot
from apps.ports.selectors import (
    port_plan_wholesale_cost,
    port_plans_by_slug,
    upstream_account_is_stale,
    upstream_account_snapshot,
)

from .pricing import CURRENCY_ALIASES

PORT_PRODUCT = "dedicated_port"


@dataclass(frozen=True)
class PortPlanMargin:
    plan: Plan
    port_plan: PortPlan | None
    cost: Decimal | None  # wholesale, for the plan's period; None: not known (or another currency)
    margin: Decimal | None
    margin_percent: Decimal | None


@dataclass(frozen=True)
class PortsOverview:
    account: UpstreamAccountSnapshot | None
    stale: bool
    margins: list[PortPlanMargin]


def _currency(code: str) -> str:
    code = (code or "").lower()
    return CURRENCY_ALIASES.get(code, code)


def _margin(plan: Plan, port_plan: PortPlan | None, account: UpstreamAccountSnapshot | None) -> PortPlanMargin:
    cost = port_plan_wholesale_cost(plan=port_plan, snapshot=account) if port_plan is not None else None
    if cost is None or account is None or _currency(plan.currency) != _currency(account.currency):
        return PortPlanMargin(plan=plan, port_plan=port_plan, cost=None, margin=None, margin_percent=None)
    margin = plan.price - cost
    percent = (margin / plan.price * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return PortPlanMargin(plan=plan, port_plan=port_plan, cost=cost, margin=margin, margin_percent=percent)


def ports_overview() -> PortsOverview:
    account = upstream_account_snapshot()
    port_plans = port_plans_by_slug()
    plans = Plan.objects.filter(product_kind=PORT_PRODUCT).order_by("-active", "sort_order", "price", "pk")
    return PortsOverview(
        account=account,
        stale=account is None or upstream_account_is_stale(account),
        margins=[_margin(plan, port_plans.get(plan.slug), account) for plan in plans],
    )


def port_costs_of_orders(*, start_at: datetime, end_at: datetime) -> dict[str, Decimal | None]:
    """Per order currency, what the port orders paid in [start_at, end_at) cost upstream: each
    port one period of its plan's slot at the tariffs' price (a renewal too: it pays one more
    period). None for a currency where a cost is not known (tariffs not read yet, a plan without
    its port plan, or prices in another currency than the tariffs), so the margin says so
    instead of counting the ports as free. Currencies without port orders are absent."""
    account = upstream_account_snapshot()
    port_plans = port_plans_by_slug()
    rows = (
        Order.objects.filter(paid_at__gte=start_at, paid_at__lt=end_at, product_kind=PORT_PRODUCT)
        .values("currency", "plan__slug")
        .annotate(ports=Sum("gb"))
    )
    costs: dict[str, Decimal | None] = {}
    for row in rows:
        currency = row["currency"]
        port_plan = port_plans.get(row["plan__slug"])
        each = port_plan_wholesale_cost(plan=port_plan, snapshot=account) if port_plan is not None else None
        so_far = costs.get(currency, Decimal(0))
        same_currency = account is not None and _currency(currency) == _currency(account.currency)
        if each is None or so_far is None or not same_currency:
            costs[currency] = None
        else:
            costs[currency] = so_far + each * Decimal(row["ports"] or 0)
    return costs
