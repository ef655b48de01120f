"""`{% load usage_chart %}{% usage_chart key %}`: a key's daily traffic for the last 30 days as a
server-side SVG (templates/proxies/_usage_chart.html), for the dashboard and the console."""

from django import template

from apps.proxies.selectors_usage import CHART_DAYS, usage_chart_for_key

register = template.Library()


@register.inclusion_tag("proxies/_usage_chart.html", takes_context=True)
def usage_chart(context, key, days: int = CHART_DAYS):
    return {
        "chart": usage_chart_for_key(key=key, days=days),
        "chart_id": f"-{key.pk}",
        "brand": context.get("brand"),
        "as_of": key.last_synced_at,
    }
