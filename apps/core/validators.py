"""Validators shared by the apps' models and forms."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

# C0 and C1 controls (CR, LF, tab, NUL, …), the Unicode line and paragraph separators, and the
# bidirectional overrides and isolates that make text read differently from what it says.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def validate_single_line(value: str) -> None:
    """For admin-entered text that ends up in a mail header or on one line of a page (brand
    name, plan name, addresses): a line break there would break or forge the header."""
    if CONTROL_CHARACTERS.search(str(value)):
        raise ValidationError(
            gettext("Use a single line of text: line breaks, tabs and other control characters are not allowed."),
            code="control_characters",
        )
