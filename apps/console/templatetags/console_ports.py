"""`{% ports_overview as ports %}` for the console overview's dedicated-ports section (read only:
the snapshot row and the plans; nothing here calls the upstream)."""

from django import template

from apps.console.selectors.ports import PortsOverview
from apps.console.selectors.ports import ports_overview as ports_overview_read

register = template.Library()


@register.simple_tag
def ports_overview() -> PortsOverview:
    return ports_overview_read()
