"""Revenue over time on the overview: per UTC day, the net revenue (per currency: paid less
refunded that day, as the tiles count it), the GB sold and the new customers, as bar charts drawn
on the server (templates/console/_bar_chart.html: SVG, no script, like the customers' usage
chart). A short period is widened to TREND_MIN_DAYS ending on its last day, so a chart never has
a single bar."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count, DecimalField, Q, Sum
from django.db.models.functions import Coalesce, TruncDate

from apps.billing.models import KeyAdjustment, Order
from apps.billing.products import DEFAULT_PRODUCT_KIND
from apps.core.charts import HEIGHT, LEFT, RIGHT, WIDTH, ChartBar, ChartLabel, ChartTick, bar_geometry, chart_number

from .periods import Period

TREND_MIN_DAYS = 14
ZERO = Decimal(0)
_MONEY = DecimalField(max_digits=15, decimal_places=2)


@dataclass(frozen=True)
class BarChart:
    key: str  # unique on the page (ids)
    title: str
    unit: str
    bars: list[ChartBar]
    ticks: list[ChartTick]
    labels: list[ChartLabel]
    total: Decimal
    width: int = WIDTH
    height: int = HEIGHT
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT

    @property
    def summary(self) -> str:
        total = f"{chart_number(self.total)} {self.unit}".strip()
        return f"{self.title}: {total} over {len(self.bars)} days"


@dataclass(frozen=True)
class Trends:
    start: date
    end: date
    charts: list[BarChart]


def bar_chart(*, key: str, title: str, unit: str, days: list[date], values: dict[date, Decimal]) -> BarChart:
    """One bar per day (missing days are 0; a day whose refunds exceed its sales draws no bar, and
    its figure is in the bar's title and the table)."""
    series = [Decimal(values.get(day, ZERO)) for day in days]
    geometry = bar_geometry(days=days, values=series, unit=unit, label_every=max(len(days) // 6, 1))
    return BarChart(
        key=key,
        title=title,
        unit=unit,
        bars=geometry.bars,
        ticks=geometry.ticks,
        labels=geometry.labels,
        total=sum(series, ZERO),
    )


def _by_day(rows, value: str) -> dict[date, Decimal]:
    return {row["day"]: Decimal(row[value] or 0) for row in rows}


def operator_trends(*, period: Period) -> Trends:
    end = period.end
    start = min(period.start, end - timedelta(days=TREND_MIN_DAYS - 1))
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    start_at, end_at = datetime.combine(start, time.min, tzinfo=UTC), period.end_at

    def within(field: str) -> dict:
        return {f"{field}__gte": start_at, f"{field}__lt": end_at}

    paid = (
        Order.objects.filter(**within("paid_at"))
        .with_amount_charged()
        .annotate(day=TruncDate("paid_at", tzinfo=UTC))
        .values("day", "currency")
        .annotate(
            gross=Coalesce(Sum("amount_charged_db"), ZERO, output_field=_MONEY),
            gb_sold=Sum("gb", filter=Q(product_kind=DEFAULT_PRODUCT_KIND)),  # ports are not GB
        )
    )
    refunds = (
        KeyAdjustment.objects.filter(kind=KeyAdjustment.Kind.REFUND, **within("created_at"))
        .annotate(day=TruncDate("created_at", tzinfo=UTC))
        .values("day", "order__currency")
        .annotate(total=Coalesce(Sum("amount"), ZERO, output_field=_MONEY))
    )
    net: dict[str, dict[date, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    gb: dict[date, Decimal] = defaultdict(Decimal)
    for row in paid:
        net[row["currency"]][row["day"]] += row["gross"]
        gb[row["day"]] += Decimal(row["gb_sold"] or 0)
    for row in refunds:
        net[row["order__currency"]][row["day"]] -= row["total"]
    joined = (
        get_user_model()
        .objects.filter(is_staff=False, **within("date_joined"))
        .annotate(day=TruncDate("date_joined", tzinfo=UTC))
        .values("day")
        .annotate(count=Count("pk"))
    )
    charts = [
        bar_chart(
            key=f"revenue-{currency}",
            title=f"Net revenue ({currency.upper()})",
            unit=currency.upper(),
            days=days,
            values=values,
        )
        for currency, values in sorted(net.items())
    ]
    if not charts:
        charts.append(bar_chart(key="revenue", title="Net revenue", unit="", days=days, values={}))
    charts.append(bar_chart(key="gb-sold", title="GB sold", unit="GB", days=days, values=gb))
    charts.append(
        bar_chart(key="new-customers", title="New customers", unit="", days=days, values=_by_day(joined, "count"))
    )
    return Trends(start=start, end=end, charts=charts)
