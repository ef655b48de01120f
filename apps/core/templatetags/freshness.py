"""`{% load freshness %}{% updated_ago moment %}`: how old a figure is, beside the figure.

Usage figures come from the mirror, refreshed by the periodic sync and page loads; saying when
keeps a card, the chart and the live sessions from looking like they disagree."""

from datetime import UTC, datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html

register = template.Library()


def age_text(moment: datetime, now: datetime) -> str:
    seconds = max(0, int((now - moment).total_seconds()))
    if seconds < 60:
        return f"{seconds} s ago"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86400:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} d ago"


@register.simple_tag
def updated_ago(moment: datetime | None, now: datetime | None = None) -> str:
    if moment is None:
        return format_html('<small class="updated-ago muted">{}</small>', "not updated yet")
    return format_html(
        '<small class="updated-ago muted">updated <time datetime="{}" title="{} UTC">{}</time></small>',
        moment.isoformat(),
        moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
        age_text(moment, now or timezone.now()),
    )
