"""The business at a glance for a period (definitions in the package docstring)."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count, DecimalField, F, Min, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from apps.billing.models import KeyAdjustment, Order, Payment
from apps.billing.products import DEFAULT_PRODUCT_KIND
from apps.core.models import OperatorAlert
from apps.core.selectors import operator_alert_list_recent
from apps.proxies.models import MB_PER_GB, PoolKey, PoolKeyStatus
from apps.proxies.selectors import pool_key_list_expiring, pool_key_list_with_status
from apps.proxies.selectors_usage import usage_traffic_between
from apps.proxies.upstream.health import upstream_health_get
from apps.webhooks.selectors import webhook_failure_rate

from .periods import Period
from .ports import port_costs_of_orders
from .pricing import Wholesale, wholesale_price_get

CENT = Decimal("0.01")
ZERO = Decimal(0)
NEAR_CAP_SHOWN = 10


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
    # Ports paid in the period at the tariffs' slot price; None: some port's cost is not known
    # (the margin then leaves them out and the page says so).
    cost_of_ports_sold: Decimal | None = ZERO

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
    # USDC paid over x402 (apps/agents), already counted in the USD line: USDC is a dollar token.
    usdc_revenue: Decimal = ZERO
    usdc_orders: int = 0
    webhook_attempts: int = 0
    webhook_attempts_failed: int = 0

    @property
    def webhook_failure_percent(self) -> Decimal | None:
        if not self.webhook_attempts:
            return None
        return Decimal(self.webhook_attempts_failed * 100) / self.webhook_attempts


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP)


def _revenue(period: Period) -> list[RevenueLine]:
    money = DecimalField(max_digits=13, decimal_places=2)
    paid = (
        Order.objects.filter(paid_at__gte=period.start_at, paid_at__lt=period.end_at)
        .with_amount_charged()
        .values("currency")
        .annotate(
            orders=Count("pk"),
            gross=Sum("amount_charged_db", output_field=money),
            # GB sold: pool traffic only (a port plan's quantity is ports, not GB).
            gb=Sum("gb", filter=Q(product_kind=DEFAULT_PRODUCT_KIND)),
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


def _usdc_revenue(period: Period) -> tuple[Decimal, int]:
    paid = Payment.objects.filter(
        provider="x402",
        state=Payment.State.CONFIRMED,
        confirmed_at__gte=period.start_at,
        confirmed_at__lt=period.end_at,
    ).aggregate(total=Sum("amount_received"), orders=Count("order_id", distinct=True))
    return _money(paid["total"]), paid["orders"]


def _margins(revenue: list[RevenueLine], wholesale: Wholesale, port_costs: dict[str, Decimal | None]) -> list[Margin]:
    if wholesale.per_gb is None:
        return []
    margins = []
    for line in revenue:
        if line.currency.lower() != wholesale.margin_currency:
            continue
        cost = _money(line.gb_sold * wholesale.per_gb)
        ports_cost = port_costs.get(line.currency, ZERO)
        margin = line.net - cost - (ports_cost or ZERO)
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
                cost_of_ports_sold=_money(ports_cost) if ports_cost is not None else None,
            )
        )
    return margins


def operator_overview(*, period: Period, now: datetime | None = None) -> Overview:
    now = now or timezone.now()
    users = get_user_model().objects.filter(is_staff=False)
    live = PoolKey.objects.live()
    revenue = _revenue(period)
    wholesale = wholesale_price_get()
    gb_used = usage_traffic_between(start=period.start, end=period.end) / MB_PER_GB
    near_cap = pool_key_list_with_status(status=PoolKeyStatus.NEAR_CAP, now=now)
    # Near cap means a cap above zero (a zero cap is at cap), so the ratio never divides by zero.
    fullest = near_cap.select_related("customer").order_by((F("used_mb") / F("cap_gb")).desc(), "pk")
    waiting = Order.objects.filter(status=Order.Status.PAID).aggregate(count=Count("pk"), oldest=Min("paid_at"))
    usdc_revenue, usdc_orders = _usdc_revenue(period)
    webhook_failed, webhook_attempts = webhook_failure_rate(start=period.start_at, end=period.end_at)
    return Overview(
        webhook_attempts=webhook_attempts,
        webhook_attempts_failed=webhook_failed,
        usdc_revenue=usdc_revenue,
        usdc_orders=usdc_orders,
        period=period,
        customers_total=users.count(),
        customers_new=users.filter(date_joined__gte=period.start_at, date_joined__lt=period.end_at).count(),
        customers_with_key=live.filter(customer__is_staff=False).values("customer_id").distinct().count(),
        orders_paid=sum(line.orders for line in revenue),
        gb_sold=sum((line.gb_sold for line in revenue), ZERO),
        gb_used=gb_used,
        revenue=revenue,
        wholesale=wholesale,
        margins=_margins(revenue, wholesale, port_costs_of_orders(start_at=period.start_at, end_at=period.end_at)),
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
        operator_alerts=operator_alert_list_recent(limit=5),
    )
