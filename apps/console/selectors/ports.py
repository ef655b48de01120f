"""Dedicated ports on the console overview: the reseller's upstream account as the background job
last read it (never an upstream call here), and the margin of each port plan on sale against
the tariffs feed's slot price."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from apps.billing.models import Plan
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
