"""Finds the words in Django templates that a visitor reads: text between tags and the readable
attributes (placeholder, title, aria-label, alt, data-confirm ...), outside {% translate %},
{% blocktranslate %}, comments, <script>, <style>, <code> and <pre>. The template linter test uses
it; so does a one-off that wraps such text in translate tags."""

import re
from dataclasses import dataclass

TOKEN = re.compile(
    r"""(\{%.*?%\}|\{\{.*?\}\}|\{\#.*?\#\}|<!--.*?-->|<[a-zA-Z/!](?:\{%.*?%\}|\{\{.*?\}\}|"[^"]*"|'[^']*'|[^>"'])*>)""",
    re.S,
)
READABLE_ATTRIBUTES = (
    "placeholder",
    "title",
    "aria-label",
    "alt",
    "data-confirm",
    "data-copied",
    "data-shown-text",
    "data-hidden-text",
    "data-help",
)
ATTRIBUTE = re.compile(r"""\s({})="([^"]*)\"""".format("|".join(READABLE_ATTRIBUTES)))
SKIPPED_ELEMENTS = ("script", "style", "code", "pre", "svg", "kbd", "samp")
SKIPPED_BLOCKS = {"comment": "endcomment", "verbatim": "endverbatim", "blocktranslate": "endblocktranslate"}
SKIPPED_BLOCKS["blocktrans"] = "endblocktrans"
LETTERS = re.compile(r"[^\W\d_]{2,}")


@dataclass
class Run:
    """Consecutive text and {{ variables }}: tokens[start:end] of the template."""

    start: int
    end: int
    text: str
    line: int


def tokens(source: str) -> list[str]:
    return [part for part in TOKEN.split(source) if part]


def readable(text: str) -> bool:
    """Has a word once variables, tags and entities are gone."""
    bare = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|&[a-zA-Z]+;|&#\d+;", " ", text, flags=re.S)
    return bool(LETTERS.search(bare))


def text_runs(parts: list[str]) -> list[Run]:
    runs: list[Run] = []
    skip_element: str | None = None
    skip_block: str | None = None
    current: list[int] = []
    line = 1
    lines: dict[int, int] = {}

    def close() -> None:
        if current:
            text = "".join(parts[i] for i in current)
            if readable(text):
                runs.append(Run(current[0], current[-1] + 1, text, lines[current[0]]))
            current.clear()

    for index, part in enumerate(parts):
        lines[index] = line + len(part) - len(part.lstrip("\n"))
        line += part.count("\n")
        if skip_block:
            if part.startswith("{%") and part[2:-2].split()[:1] == [skip_block]:
                skip_block = None
            continue
        if skip_element:
            if re.match(rf"</{skip_element}\b", part, re.I):
                skip_element = None
            continue
        if part.startswith("{%"):
            close()
            if part[2:-2].split() == ["block", "bodyclass"]:  # CSS class names
                skip_block = "endblock"
                continue
            word = (part[2:-2].split() or [""])[0]
            if word in SKIPPED_BLOCKS:
                skip_block = SKIPPED_BLOCKS[word]
            continue
        if part.startswith(("{#", "<!--")):
            close()
            continue
        if part.startswith("<"):
            close()
            name = re.match(r"<([a-zA-Z0-9]+)", part)
            if name and name.group(1).lower() in SKIPPED_ELEMENTS and not part.endswith("/>"):
                skip_element = name.group(1).lower()
            continue
        current.append(index)
    close()
    return runs


def attribute_texts(parts: list[str]) -> list[tuple[int, re.Match]]:
    """(token index, match) of readable attributes holding plain text (no template tags)."""
    found = []
    for index, part in enumerate(parts):
        if part.startswith("<") and not part.startswith("<!--"):
            for match in ATTRIBUTE.finditer(part):
                value = match.group(2)
                if "{%" not in value and readable(value):
                    found.append((index, match))
    return found
