"""Figures for the Prometheus exporter (apps/console/metrics.py), read at scrape time."""

from datetime import datetime

from django.db.models import Count, Min, Q
from django.utils import timezone

from .models import Order, ProviderEvent


def order_counts_by_status() -> dict[str, int]:
    """Orders per state, every state present (0 when none)."""
    counts = dict.fromkeys(Order.Status.values, 0)
    for row in Order.objects.values("status").annotate(n=Count("id")).order_by():
        counts[row["status"]] = row["n"]
    return counts


def provisioning_backlog(*, now: datetime | None = None) -> tuple[int, float]:
    """Paid orders not yet delivered, and how long the oldest has waited since payment (seconds)."""
    now = now or timezone.now()
    row = Order.objects.filter(status=Order.Status.PAID).aggregate(n=Count("id"), oldest=Min("paid_at"))
    oldest = row["oldest"]
    return row["n"], (now - oldest).total_seconds() if oldest else 0.0


def provider_event_outcomes() -> list[tuple[str, str, int]]:
    """Stored webhook deliveries by provider and outcome ("pending" until processed, "error" when
    the last attempt failed, else the recorded outcome)."""
    rows = (
        ProviderEvent.objects.values("provider", "outcome")
        .annotate(
            n=Count("id"),
            pending=Count("id", filter=Q(processed_at__isnull=True, error="")),
            failing=Count("id", filter=Q(processed_at__isnull=True) & ~Q(error="")),
        )
        .order_by()
    )
    result: dict[tuple[str, str], int] = {}
    for row in rows:
        done = row["n"] - row["pending"] - row["failing"]
        for outcome, n in (
            (row["outcome"] or "processed", done),
            ("pending", row["pending"]),
            ("error", row["failing"]),
        ):
            if n:
                result[(row["provider"], outcome)] = result.get((row["provider"], outcome), 0) + n
    return [(provider, outcome, n) for (provider, outcome), n in sorted(result.items())]
