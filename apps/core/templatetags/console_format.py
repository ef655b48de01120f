"""Console formatting in templates: `{% load console_format %}{{ key.used_gb|gb }}` shows traffic
the way the console's Python columns do (apps.core.admin_helpers.gb_text)."""

from django import template

from apps.core.admin_helpers import gb_text

register = template.Library()


@register.filter
def gb(value, none: str = "unlimited") -> str:
    return gb_text(value, none=none)
