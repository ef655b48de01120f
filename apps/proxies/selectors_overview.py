"""The operator overview: the business at a glance for a period, computed from the database and
the upstream's public pricing feed (cached). The admin view only renders what this returns.

Definitions (also in docs/operator-guide.md):
- orders paid in the period: paid_at inside it, whatever happened to them since;
- revenue: what those orders brought in (amount paid, else the price), per currency; refunds are
  the refunds recorded in the period; net = revenue - refunds;
- GB sold: the GB of the orders paid in the period; GB used: the traffic the usage history
  recorded on the days of the period (every key);
- wholesale: the upstream's shared-pool price per GB; cost of GB sold = GB sold x wholesale;
  margin = net revenue - cost of GB sold (only for the currency the wholesale price is in).
"""

import logging
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Count, DecimalField, F, Min, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.billing.models import KeyAdjustment, Order
from apps.proxies.models import MB_PER_GB, OperatorAlert, PoolKey, PoolKeyStatus
from apps.proxies.selectors import pool_key_list_expiring, pool_key_list_with_status
from apps.proxies.selectors_usage import usage_traffic_between
from apps.proxies.upstream.errors import UpstreamError
from apps.proxies.upstream.health import upstream_health_get

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
ZERO = Decimal(0)
PRICING_CACHE_KEY = "proxies:wholesale-pricing"
PRICING_FRESH_SECONDS = 3600
PRICING_KEEP_SECONDS = 7 * 24 * 3600
PRICING_RETRY_SECONDS = 60
# The wholesale feed quotes USDC; a dollar stablecoin prices like USD for the margin.
CURRENCY_ALIASES = {"usdc": "usd", "usdt": "usd"}
NEAR_CAP_SHOWN = 10


# The period ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    name: str
    label: str
    start: date  # first day, UTC
    end: date  # last day, inclusive

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=UTC)

    @property
    def end_at(self) -> datetime:
        """Exclusive."""
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=UTC)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


PERIOD_CHOICES = (
    ("today", "Today"),
    ("7d", "Last 7 days"),
    ("30d", "Last 30 days"),
    ("90d", "Last 90 days"),
    ("mtd", "This month"),
    ("last_month", "Last month"),
)
DEFAULT_PERIOD = "30d"


def overview_period(*, name: str | None, today: date | None = None) -> Period:
    """A named period ending today (UTC); unknown names fall back to the last 30 days."""
    today = today or timezone.now().astimezone(UTC).date()
    labels = dict(PERIOD_CHOICES)
    name = name if name in labels else DEFAULT_PERIOD
    if name == "today":
        start, end = today, today
    elif name in ("7d", "30d", "90d"):
        start, end = today - timedelta(days=int(name[:-1]) - 1), today
    elif name == "mtd":
        start, end = today.replace(day=1), today
    else:
        end = today.replace(day=1) - timedelta(days=1)
        start = end.replace(day=1)
    return Period(name=name, label=labels[name], start=start, end=end)


# Wholesale price -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Wholesale:
    per_gb: Decimal | None
    currency: str
    fetched_at: datetime | None
    stale: bool
    error: str = ""

    @property
    def margin_currency(self) -> str:
        code = (self.currency or "").lower()
        return CURRENCY_ALIASES.get(code, code)


def wholesale_price_get(*, fetch: bool = True) -> Wholesale:
    """The upstream's shared-pool price per GB (a public feed), read at most once an hour and
    once a minute after a failure; a failure shows the last good price marked stale, never an
    error page."""
    from apps.proxies.services import client

    entry = cache.get(PRICING_CACHE_KEY)
    now = timezone.now()
    if entry and (now - entry["fetched_at"]).total_seconds() < PRICING_FRESH_SECONDS:
        return Wholesale(entry["per_gb"], entry["currency"], entry["fetched_at"], stale=False)
    error = ""
    if fetch and cache.add(PRICING_CACHE_KEY + ":trying", 1, PRICING_RETRY_SECONDS):
        try:
            record = client.upstream_client().pricing()
        except UpstreamError as exc:
            logger.warning("overview: the pricing feed failed: %s", exc)
            error = str(exc)
            cache.set(PRICING_CACHE_KEY + ":error", error, PRICING_KEEP_SECONDS)
        else:
            entry = {"per_gb": record.shared_per_gb, "currency": record.currency, "fetched_at": now}
            cache.set(PRICING_CACHE_KEY, entry, PRICING_KEEP_SECONDS)
            cache.delete(PRICING_CACHE_KEY + ":error")
            return Wholesale(entry["per_gb"], entry["currency"], now, stale=False)
    error = error or cache.get(PRICING_CACHE_KEY + ":error") or ""
    if entry:
        return Wholesale(entry["per_gb"], entry["currency"], entry["fetched_at"], stale=True, error=error)
    return Wholesale(None, "", None, stale=True, error=error or "not read yet")


# The overview --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RevenueLine:
    currency: str
    orders: int
    gross: Decimal
    refunds: Decimal
    disputed: Decimal
    gb_sold: Decimal

    @property
    def net(self) -> Decimal:
        return self.gross - self.refunds

    @property
    def price_per_gb(self) -> Decimal | None:
        return (self.gross / self.gb_sold).quantize(CENT, rounding=ROUND_HALF_UP) if self.gb_sold else None


@dataclass(frozen=True)
class Margin:
    currency: str
    net_revenue: Decimal
    cost_of_gb_sold: Decimal
    margin: Decimal
    margin_percent: Decimal | None
    price_per_gb: Decimal | None
    wholesale_per_gb: Decimal

    @property
    def margin_per_gb(self) -> Decimal | None:
        return self.price_per_gb - self.wholesale_per_gb if self.price_per_gb is not None else None


@dataclass(frozen=True)
class NearCapKey:
    key: PoolKey
    percent: Decimal


@dataclass(frozen=True)
class Overview:
    period: Period
    customers_total: int
    customers_new: int
    customers_with_key: int
    orders_paid: int
    gb_sold: Decimal
    gb_used: Decimal
    revenue: list[RevenueLine]
    wholesale: Wholesale
    margins: list[Margin]
    cost_of_gb_used: Decimal | None
    keys_live: int
    keys_near_cap_count: int
    keys_near_cap: list[NearCapKey]
    keys_suspended_cap: int
    keys_expiring_soon: int
    keys_missing: int
    orders_waiting: int
    orders_waiting_oldest: datetime | None
    orders_failed: int
    upstream: dict
    operator_alerts: list[OperatorAlert] = field(default_factory=list)


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP)


def _revenue(period: Period) -> list[RevenueLine]:
    money = DecimalField(max_digits=13, decimal_places=2)
    paid = (
        Order.objects.filter(paid_at__gte=period.start_at, paid_at__lt=period.end_at)
        .values("currency")
        .annotate(
            orders=Count("pk"),
            gross=Sum(Coalesce("amount_paid", "price", output_field=money)),
            gb=Sum("gb"),
        )
    )
    adjustments = (
        KeyAdjustment.objects.filter(created_at__gte=period.start_at, created_at__lt=period.end_at)
        .values("order__currency", "kind")
        .annotate(total=Coalesce(Sum("amount"), Value(ZERO), output_field=money))
    )
    lines: dict[str, dict] = {}
    for row in paid:
        lines[row["currency"]] = {"orders": row["orders"], "gross": row["gross"], "gb": row["gb"]}
    returned: dict[tuple[str, str], Decimal] = {}
    for row in adjustments:
        returned[(row["order__currency"], row["kind"])] = row["total"]
        lines.setdefault(row["order__currency"], {"orders": 0, "gross": ZERO, "gb": ZERO})
    return [
        RevenueLine(
            currency=currency,
            orders=values["orders"],
            gross=_money(values["gross"]),
            refunds=_money(returned.get((currency, KeyAdjustment.Kind.REFUND))),
            disputed=_money(returned.get((currency, KeyAdjustment.Kind.DISPUTE))),
            gb_sold=Decimal(values["gb"] or 0),
        )
        for currency, values in sorted(lines.items())
    ]


def _margins(revenue: list[RevenueLine], wholesale: Wholesale) -> list[Margin]:
    if wholesale.per_gb is None:
        return []
    margins = []
    for line in revenue:
        if line.currency.lower() != wholesale.margin_currency:
            continue
        cost = _money(line.gb_sold * wholesale.per_gb)
        margin = line.net - cost
        margins.append(
            Margin(
                currency=line.currency,
                net_revenue=line.net,
                cost_of_gb_sold=cost,
                margin=margin,
                margin_percent=(margin / line.net * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
                if line.net > 0
                else None,
                price_per_gb=line.price_per_gb,
                wholesale_per_gb=wholesale.per_gb,
            )
        )
    return margins


def operator_overview(*, period: Period, now: datetime | None = None, fetch_pricing: bool = True) -> Overview:
    now = now or timezone.now()
    users = get_user_model().objects.filter(is_staff=False)
    live = PoolKey.objects.live()
    revenue = _revenue(period)
    wholesale = wholesale_price_get(fetch=fetch_pricing)
    gb_used = usage_traffic_between(start=period.start, end=period.end) / MB_PER_GB
    near_cap = pool_key_list_with_status(status=PoolKeyStatus.NEAR_CAP, now=now)
    # Near cap means a cap above zero (a zero cap is at cap), so the ratio never divides by zero.
    fullest = near_cap.select_related("customer").order_by((F("used_mb") / F("cap_gb")).desc(), "pk")
    waiting = Order.objects.filter(status=Order.Status.PAID).aggregate(count=Count("pk"), oldest=Min("paid_at"))
    return Overview(
        period=period,
        customers_total=users.count(),
        customers_new=users.filter(date_joined__gte=period.start_at, date_joined__lt=period.end_at).count(),
        customers_with_key=live.filter(customer__is_staff=False).values("customer_id").distinct().count(),
        orders_paid=sum(line.orders for line in revenue),
        gb_sold=sum((line.gb_sold for line in revenue), ZERO),
        gb_used=gb_used,
        revenue=revenue,
        wholesale=wholesale,
        margins=_margins(revenue, wholesale),
        cost_of_gb_used=_money(gb_used * wholesale.per_gb) if wholesale.per_gb is not None else None,
        keys_live=live.count(),
        keys_near_cap_count=near_cap.count(),
        keys_near_cap=[NearCapKey(key=k, percent=k.percent_used or ZERO) for k in fullest[:NEAR_CAP_SHOWN]],
        keys_suspended_cap=pool_key_list_with_status(status=PoolKeyStatus.SUSPENDED_CAP, now=now).count(),
        keys_expiring_soon=pool_key_list_expiring(now=now).count(),
        keys_missing=pool_key_list_with_status(status=PoolKeyStatus.MISSING, now=now).count(),
        orders_waiting=waiting["count"],
        orders_waiting_oldest=waiting["oldest"],
        orders_failed=Order.objects.filter(status=Order.Status.FAILED, paid_at__isnull=False).count(),
        upstream=upstream_health_get(),
        operator_alerts=list(OperatorAlert.objects.all()[:5]),
    )


# "View as customer" -----------------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerKeyView:
    key: PoolKey
    state_label: str
    state_tone: str
    usage: object  # apps.proxies.dashboard.page.UsageView
    chart: object  # apps.proxies.selectors_usage.UsageChart


@dataclass(frozen=True)
class CustomerView:
    customer: object
    state: str  # no_key | preparing | key: the dashboard state the customer is in
    keys: list[CustomerKeyView]
    orders: list
    provisioning: object  # apps.proxies.dashboard.orders.ProvisioningStatus
    sessions: object | None  # apps.proxies.dashboard.page.SessionsView, from the cache only


def customer_console_view(*, customer) -> CustomerView:
    """What the customer's dashboard shows, for staff, read-only: the same selectors the dashboard
    uses, but from the mirror and the caches only (no upstream call, no reveal, no nudge of
    their orders). Secrets never appear: a key carries only its masked hint."""
    from apps.proxies.dashboard.orders import order_views_for_customer, provisioning_status_for_customer
    from apps.proxies.dashboard.page import KEY_STATES, sessions_view, usage_view
    from apps.proxies.selectors import pool_key_list_for_customer, pool_key_usage
    from apps.proxies.selectors_usage import usage_chart_for_key

    now = timezone.now()
    keys = []
    for key in pool_key_list_for_customer(customer=customer):
        label, tone = KEY_STATES.get(key.status_at(now), (key.status_at(now), "neutral"))
        keys.append(
            CustomerKeyView(
                key=key,
                state_label=label,
                state_tone=tone,
                usage=usage_view(pool_key_usage(key=key, now=now), now=now),
                chart=usage_chart_for_key(key=key),
            )
        )
    provisioning = provisioning_status_for_customer(customer=customer, has_key=bool(keys), nudge=False)
    state = "key" if keys else "preparing" if provisioning.waiting else "no_key"
    return CustomerView(
        customer=customer,
        state=state,
        keys=keys,
        orders=order_views_for_customer(customer=customer),
        provisioning=provisioning,
        sessions=sessions_view(customer=customer, fetch=False) if keys else None,
    )
