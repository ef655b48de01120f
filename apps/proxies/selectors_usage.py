"""Reads of the usage history (PoolKeyUsageSample): daily traffic per key, the 30-day chart and
the CSV export.

A day's traffic is its last reading minus the last reading of the key's previous sampled day.
The first day a key was ever read counts from zero when the key was created that day (all of
its usage happened then) and from its first reading otherwise (the history began later)."""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Max, Min, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext

from apps.core.charts import (
    BOTTOM,
    HEIGHT,
    LEFT,
    RIGHT,
    WIDTH,
    ChartBar,
    ChartLabel,
    ChartTick,
    bar_geometry,
    chart_number,
)
from apps.proxies.models import MB_PER_GB, PoolKey, PoolKeyUsageSample

CHART_DAYS = 30
ZERO = Decimal(0)


def _utc_day(moment: datetime) -> date:
    return moment.astimezone(UTC).date()


def _today() -> date:
    return _utc_day(timezone.now())


def _traffic(last: Decimal, previous: Decimal | None, first: Decimal, day: date, created: date) -> Decimal:
    if previous is None:
        previous = ZERO if created >= day else first
    return max(Decimal(last) - Decimal(previous), ZERO)


@dataclass(frozen=True)
class DailyUsage:
    day: date
    used_mb: Decimal  # traffic on that day
    counter_mb: Decimal | None  # the key's usage counter at the day's last reading; None: no reading

    @property
    def used_gb(self) -> Decimal:
        return self.used_mb / MB_PER_GB


def usage_daily_for_key(*, key: PoolKey, days: int = CHART_DAYS, today: date | None = None) -> list[DailyUsage]:
    """The last `days` days (UTC, today included), oldest first; days without a reading count 0."""
    today = today or _today()
    start = today - timedelta(days=days - 1)
    samples = {s.day: s for s in PoolKeyUsageSample.objects.filter(pool_key_id=key.pk, day__gte=start, day__lte=today)}
    before = (
        PoolKeyUsageSample.objects.filter(pool_key_id=key.pk, day__lt=start)
        .order_by("-day")
        .values_list("last_used_mb", flat=True)
        .first()
    )
    created = _utc_day(key.created_at)
    previous = before
    result = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        sample = samples.get(day)
        if sample is None:
            result.append(DailyUsage(day=day, used_mb=ZERO, counter_mb=None))
            continue
        used = _traffic(sample.last_used_mb, previous, sample.first_used_mb, day, created)
        result.append(DailyUsage(day=day, used_mb=used, counter_mb=sample.last_used_mb))
        previous = sample.last_used_mb
    return result


# The chart ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UsageChart:
    bars: list[ChartBar]
    ticks: list[ChartTick]
    labels: list[ChartLabel]
    unit: str  # "MB" or "GB"
    total: Decimal  # in the unit
    days: int
    empty: bool
    width: int = WIDTH
    height: int = HEIGHT
    plot_left: int = LEFT
    plot_right: int = WIDTH - RIGHT
    plot_bottom: int = HEIGHT - BOTTOM

    @property
    def summary(self) -> str:
        total, unit = self.total, self.unit
        if unit == "MB" and total >= MB_PER_GB:  # small days, but a month of them reads better in GB
            total, unit = total / MB_PER_GB, "GB"
        return gettext("%(total)s %(unit)s used in the last %(days)s days") % {
            "total": chart_number(total),
            "unit": unit,
            "days": self.days,
        }


def usage_chart(daily: list[DailyUsage]) -> UsageChart:
    """Bar geometry for the server-side SVG (templates/proxies/_usage_chart.html)."""
    peak_mb = max((d.used_mb for d in daily), default=ZERO)
    unit, divisor = ("GB", MB_PER_GB) if peak_mb >= MB_PER_GB else ("MB", Decimal(1))
    values = [d.used_mb / divisor for d in daily]
    chart = bar_geometry(days=[d.day for d in daily], values=values, unit=unit)
    return UsageChart(
        bars=chart.bars,
        ticks=chart.ticks,
        labels=chart.labels,
        unit=unit,
        total=sum(values, ZERO),
        days=len(daily),
        empty=all(d.counter_mb is None for d in daily),
    )


def usage_chart_for_key(*, key: PoolKey, days: int = CHART_DAYS, today: date | None = None) -> UsageChart:
    return usage_chart(usage_daily_for_key(key=key, days=days, today=today))


# The CSV export ---------------------------------------------------------------------------------

CSV_HEADER = ("date", "customer_email", "key_label", "upstream_id", "used_mb", "used_gb", "counter_mb")


def _csv_number(value: Decimal | None, places: str = "0.001") -> str:
    if value is None:
        return ""
    return format(Decimal(value).quantize(Decimal(places), rounding=ROUND_HALF_UP), "f")


def usage_csv_rows(*, keys: QuerySet[PoolKey] | None = None, start: date, end: date) -> Iterator[tuple[str, ...]]:
    """Daily traffic per key for days start..end (inclusive), for `keys` or every key: one row per
    key and day with a reading, key by key, oldest day first. Streams: one query, read in chunks,
    the previous reading of each row found by an indexed subquery."""
    samples = PoolKeyUsageSample.objects.filter(day__gte=start, day__lte=end)
    if keys is not None:
        samples = samples.filter(pool_key__in=keys.values("pk"))
    previous = (
        PoolKeyUsageSample.objects.filter(pool_key_id=OuterRef("pool_key_id"), day__lt=OuterRef("day"))
        .order_by("-day")
        .values("last_used_mb")[:1]
    )
    rows = (
        samples.annotate(previous_mb=Subquery(previous))
        .order_by("pool_key_id", "day")
        .values_list(
            "day",
            "pool_key__customer__email",
            "pool_key__label",
            "pool_key__upstream_id",
            "pool_key__created_at",
            "first_used_mb",
            "last_used_mb",
            "previous_mb",
        )
    )
    yield CSV_HEADER
    for day, email, label, upstream_id, created_at, first, last, prev in rows.iterator(chunk_size=2000):
        used = _traffic(last, prev, first, day, _utc_day(created_at))
        yield (
            day.isoformat(),
            email,
            label,
            upstream_id,
            _csv_number(used),
            _csv_number(used / MB_PER_GB, "0.000001"),
            _csv_number(last),
        )


def usage_csv_rows_for_key(*, key: PoolKey, days: int = CHART_DAYS, today: date | None = None) -> Iterator[tuple]:
    """One key's last `days` days, every day listed (0 and no counter where nothing was read)."""
    yield CSV_HEADER
    for entry in usage_daily_for_key(key=key, days=days, today=today):
        yield (
            entry.day.isoformat(),
            key.customer.email,
            key.label,
            key.upstream_id,
            _csv_number(entry.used_mb),
            _csv_number(entry.used_gb, "0.000001"),
            _csv_number(entry.counter_mb),
        )


def usage_traffic_between(*, start: date, end: date, keys: QuerySet[PoolKey] | None = None) -> Decimal:
    """Total traffic (MB) of days start..end inclusive, over every key (or `keys`): per key, the last
    reading up to `end` minus the last reading before `start` (counters only grow), which equals
    the sum of its daily figures. Two grouped queries, whatever the number of days."""
    samples = PoolKeyUsageSample.objects.all()
    if keys is not None:
        samples = samples.filter(pool_key__in=keys.values("pk"))
    per_key = (
        samples.filter(day__lte=end)
        .values("pool_key_id", "pool_key__created_at")
        .annotate(
            last=Max("last_used_mb", filter=Q(day__gte=start)),
            first=Min("first_used_mb", filter=Q(day__gte=start)),
            first_day=Min("day", filter=Q(day__gte=start)),
            before=Max("last_used_mb", filter=Q(day__lt=start)),
        )
        .filter(last__isnull=False)
    )
    total = ZERO
    for row in per_key:
        created = _utc_day(row["pool_key__created_at"])
        total += _traffic(row["last"], row["before"], row["first"], row["first_day"], created)
    return total
