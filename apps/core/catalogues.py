"""The shop's message catalogues (locale/<language>/LC_MESSAGES/<domain>.po), kept with Babel:

- extract: Django's makemessages into a temporary directory (templates, Python, the scripts),
- update: merges the extracted msgids into every shipped language (new entries empty),
- problems: what is missing, untranslated or fuzzy (the test that keeps catalogues complete),
- export/import: one language's entries as JSON, for translating in batches,
- compile: the .mo files (make install, the image build, the tests), without GNU gettext.

locale/en holds only hand-written overrides of allauth's wording: it is compiled, never updated.
`manage.py messages --help` runs these."""

import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from django.conf import settings
from django.core.management import call_command
from django.test.utils import override_settings

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
DOMAINS = ("django", "djangojs")
# Extracted from the project root; everything else is tooling, tests or not the shop's.
SOURCES = ("apps", "templates", "storefront", "static")
IGNORED = ["static/vendor/*", "*/migrations/*"]
PLACEHOLDER = re.compile(r"%\([a-z_0-9]+\)[sd]|%[sd]|\{[a-z_0-9]*\}")


def catalogue_languages() -> list[str]:
    """Shipped languages with a catalogue of their own, in gettext spelling (pt_BR, zh_Hans)."""
    from django.utils.translation import to_locale

    return [to_locale(code) for code, _ in settings.SHIPPED_LANGUAGES if code != "en"]


def catalogue_path(language: str, domain: str = "django") -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{domain}.po"


def extract(domain: str = "django") -> Catalog:
    """Every msgid the source marks today, as a template catalogue (makemessages, in a temp dir)."""
    # makemessages writes next to any `locale` directory it walks past (the committed ones):
    # it runs in a temporary root that links only the sources, writing into tmp/out.
    with tempfile.TemporaryDirectory() as tmp, override_settings(LOCALE_PATHS=[str(Path(tmp, "out"))]):
        for source in SOURCES:
            Path(tmp, source).symlink_to(Path(settings.BASE_DIR, source))
        Path(tmp, "out", "en").mkdir(parents=True)
        cwd = os.getcwd()
        os.chdir(tmp)
        try:
            call_command(
                "makemessages",
                locale=["en"],
                domain=domain,
                extensions=["html", "txt", "py"] if domain == "django" else ["js"],
                ignore_patterns=IGNORED,
                symlinks=True,
                no_obsolete=True,
                no_location=True,
                no_wrap=True,
                verbosity=0,
            )
        finally:
            os.chdir(cwd)
        path = Path(tmp, "out", "en", "LC_MESSAGES", f"{domain}.po")
        if not path.exists():
            return Catalog()
        with path.open("rb") as handle:
            return read_po(handle)


def load(language: str, domain: str = "django") -> Catalog:
    path = catalogue_path(language, domain)
    if not path.exists():
        return Catalog(locale=language, domain=domain)
    with path.open("rb") as handle:
        return read_po(handle, locale=language, domain=domain)


def save(catalogue: Catalog, language: str, domain: str = "django") -> None:
    path = catalogue_path(language, domain)
    path.parent.mkdir(parents=True, exist_ok=True)
    catalogue.project = "storefront"
    catalogue.fuzzy = False
    with path.open("wb") as handle:
        write_po(handle, catalogue, width=0, omit_header=False, sort_output=True, ignore_obsolete=True)


def update(domain: str = "django") -> dict[str, int]:
    """Adds new msgids (empty) to each language and drops the ones the source no longer has.
    Returns, per language, how many entries still want a translation."""
    template = extract(domain)
    todo = {}
    for language in catalogue_languages():
        catalogue = load(language, domain)
        catalogue.update(template, no_fuzzy_matching=True, update_header_comment=False)
        catalogue.obsolete.clear()
        save(catalogue, language, domain)
        todo[language] = sum(1 for message in _entries(catalogue) if not _translated(message))
    return todo


@dataclass
class Problems:
    missing: dict[str, list[str]] = field(default_factory=dict)  # language -> msgids not in its .po
    untranslated: dict[str, list[str]] = field(default_factory=dict)
    fuzzy: dict[str, list[str]] = field(default_factory=dict)
    placeholders: dict[str, list[str]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return any(any(found.values()) for found in (self.missing, self.untranslated, self.fuzzy, self.placeholders))


def problems(template: Catalog, domain: str = "django") -> Problems:
    found = Problems()
    wanted = {_key(message) for message in _entries(template)}
    for language in catalogue_languages():
        catalogue = load(language, domain)
        have = {_key(message) for message in _entries(catalogue)}
        entries = [message for message in _entries(catalogue) if _key(message) in wanted]
        found.missing[language] = sorted(wanted - have)
        found.untranslated[language] = [_key(m) for m in entries if not _translated(m)]
        found.fuzzy[language] = [_key(m) for m in entries if m.fuzzy]
        found.placeholders[language] = [_key(m) for m in entries if _translated(m) and not placeholders_match(m)]
    return found


def placeholders_match(message: Message) -> bool:
    """%(name)s, %s and {name} in every translation exactly as in the source (order may change)."""
    ids, strings = _ids(message), _strings(message)
    source = sorted(set(PLACEHOLDER.findall(" ".join(ids))))
    # A plural form may leave out the count (Russian "одна", Chinese has one form): a subset.
    return all(set(PLACEHOLDER.findall(text)) <= set(source) for text in strings) and any(
        sorted(set(PLACEHOLDER.findall(text))) == source for text in strings
    )


def export(language: str, domain: str = "django", *, only_missing: bool = True) -> list[dict]:
    """[{"id": msgid, "plural": msgid_plural?, "context": ?, "string": "" or [forms]}], to translate."""
    rows = []
    for message in _entries(load(language, domain)):
        if only_missing and _translated(message) and not message.fuzzy:
            continue
        singular, plural = (message.id if isinstance(message.id, tuple) else (message.id, None))[:2]
        row: dict = {"id": singular, "string": message.string}
        if plural is not None:
            row["plural"] = plural
        if message.context:
            row["context"] = message.context
        rows.append(row)
    return rows


def import_rows(language: str, rows: list[dict], domain: str = "django") -> int:
    """Writes translated rows back (entries not in the catalogue are ignored). Returns the count."""
    catalogue = load(language, domain)
    written = 0
    for row in rows:
        key = (row["id"], row["plural"]) if "plural" in row else row["id"]
        message = catalogue.get(key if isinstance(key, str) else key[0], context=row.get("context"))
        if message is None or not row.get("string"):
            continue
        string = row["string"]
        message.string = tuple(string) if isinstance(string, list) else string
        message.flags.discard("fuzzy")
        written += 1
    save(catalogue, language, domain)
    return written


def compile_all() -> list[Path]:
    """Writes a .mo next to every .po under locale/ that is newer than its .mo."""
    written = []
    for po in sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po")):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as handle:
            catalogue = read_po(handle, locale=po.parent.parent.name)
        buffer = BytesIO()
        write_mo(buffer, catalogue, use_fuzzy=False)
        # Atomic: parallel test workers may compile at the same moment.
        partial = mo.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(buffer.getvalue())
        partial.replace(mo)
        written.append(mo)
    return written


def dump_json(rows: list[dict]) -> str:
    return json.dumps(rows, ensure_ascii=False, indent=1)


def _entries(catalogue: Catalog) -> list[Message]:
    return [message for message in catalogue if message.id]


def _ids(message: Message) -> tuple[str, ...]:
    return tuple(str(text) for text in message.id) if isinstance(message.id, tuple) else (str(message.id),)


def _strings(message: Message) -> tuple[str, ...]:
    string = message.string
    return tuple(str(text) for text in string) if isinstance(string, (tuple, list)) else (str(string or ""),)


def _key(message: Message) -> str:
    return _ids(message)[0]


def _translated(message: Message) -> bool:
    return all(_strings(message))
