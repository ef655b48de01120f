"""`{% load freshness %}{% updated_ago moment %}`: how old a figure is, beside the figure.

Usage figures come from the mirror, refreshed by the periodic sync and page loads; saying when
keeps a card, the chart and the live sessions from looking like they disagree."""

from datetime import UTC, datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext

register = template.Library()


def age_text(moment: datetime, now: datetime) -> str:
    seconds = max(0, int((now - moment).total_seconds()))
    if seconds < 60:
        return gettext("%(n)s s ago") % {"n": seconds}
    if seconds < 3600:
        return gettext("%(n)s min ago") % {"n": seconds // 60}
    if seconds < 86400:
        return gettext("%(n)s h ago") % {"n": seconds // 3600}
    return gettext("%(n)s d ago") % {"n": seconds // 86400}


@register.simple_tag
def updated_ago(moment: datetime | None, now: datetime | None = None) -> str:
    if moment is None:
        return format_html('<small class="updated-ago muted">{}</small>', gettext("not updated yet"))
    return format_html(
        '<small class="updated-ago muted">{} <time datetime="{}" title="{} UTC">{}</time></small>',
        gettext("updated"),
        moment.isoformat(),
        moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
        age_text(moment, now or timezone.now()),
    )
