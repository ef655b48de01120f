"""`{% select_options choices selected %}`: the `<option>`s of the builder's and the bulk form's
selects, written in Python. Every dashboard load draws about 80 of them; as template loops
(a tag and three variables each) they were a tenth of the page's rendering time."""

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def select_options(choices, selected, marked=(), with_help: bool = False) -> SafeString:
    """Options for (value, label[, help]) choices. The one whose value equals `selected` (None
    and "" mean the empty value) is selected; a value in `marked` gets data-none="1" (nothing
    online there); with_help puts each choice's help text in data-help."""
    chosen = "" if selected is None else str(selected)
    parts = []
    for choice in choices:
        value = str(choice[0])
        flags = (" selected" if value == chosen else "") + (' data-none="1"' if value and value in marked else "")
        if with_help:
            flags += f' data-help="{conditional_escape(choice[2])}"'
        parts.append(f'<option value="{conditional_escape(value)}"{flags}>{conditional_escape(choice[1])}</option>')
    return mark_safe("".join(parts))  # noqa: S308 (every value and label is escaped above)
