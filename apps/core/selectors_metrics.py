"""Core figures for the Prometheus exporter, read at scrape time."""

from django.db.models import Count

from .models import OperatorAlert


def operator_alert_counts() -> dict[str, int]:
    """Operator alerts recorded, by kind (deduplicated alerts: one row per alert sent)."""
    return {row["kind"]: row["n"] for row in OperatorAlert.objects.values("kind").annotate(n=Count("id")).order_by()}
