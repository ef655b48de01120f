"""Whitespace the template indentation leaves in a page, removed without changing how it renders.

A run of whitespace that starts with a newline becomes one newline (HTML collapses it to one space
anyway, so inline text keeps its spacing); `<pre>`, `<textarea>` and `<script>` bodies are kept
exactly, since their whitespace is content."""

import re
from collections.abc import Callable
from functools import wraps

from django.http import HttpResponse

_VERBATIM = re.compile(r"(<(pre|textarea|script)\b.*?</\2>)", re.IGNORECASE | re.DOTALL)
_INDENT = re.compile(r"\n\s+")


def html_compact(text: str) -> str:
    parts = _VERBATIM.split(text)
    # split() yields: text, verbatim block, its tag name, text, ...
    out = []
    for index, part in enumerate(parts):
        kind = index % 3
        if kind == 0:
            out.append(_INDENT.sub("\n", part))
        elif kind == 1:
            out.append(part)
    return "".join(out)


def compact_html_response(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A view decorator: its HTML responses lose the indentation whitespace (a page that is
    mostly indentation ships a third lighter)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        content_type = response.get("Content-Type", "")
        if not response.streaming and content_type.startswith("text/html") and response.status_code == 200:
            response.content = html_compact(response.content.decode(response.charset)).encode(response.charset)
        return response

    return wrapped
