"""The periods the operator overview covers: named, ending today (UTC), whole days."""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.utils import timezone


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
