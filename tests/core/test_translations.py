"""The shop in every shipped language: every customer-facing string marked, every catalogue
complete and current (manage.py messages update / export / import: docs/translations.md)."""

from pathlib import Path

import pytest
from django.conf import settings

from apps.core import catalogues
from tests.template_text import attribute_texts, text_runs, tokens

# Words that stay as they are in every language: brand and protocol names, units, codes.
ALLOWED_TEXT = {
    "Proxies.sx",
    "https://example.com/webhooks",
    "Stripe",
    "USDC",
    "x402",
    "SOCKS5",
    "HTTP",
    "HTTPS",
    "GB",
    "MB",
    "USD",
    "API",
    "URL",
    "IP",
    "ID",
    "CSV",
    "JSON",
    "TOTP",
    "UTC",
    "OK",
    "{{ builder_config.username }}-mbl-us",  # a sample proxy username
}
# Languages whose translation is still being written: their catalogues must hold every msgid
# (no missing entry) but may still have empty ones. Remove a language once it is complete.
IN_TRANSLATION: set[str] = set()
TEMPLATE_DIRS = [Path(settings.BASE_DIR, "templates"), *Path(settings.BASE_DIR, "apps").glob("*/templates")]


@pytest.fixture(scope="module")
def extracted():
    return catalogues.extract()


def _templates():
    for directory in TEMPLATE_DIRS:
        yield from sorted(p for p in directory.rglob("*") if p.suffix in {".html", ".txt"})


def test_every_template_text_is_inside_a_translate_tag():
    unmarked = []
    for path in _templates():
        source = path.read_text()
        parts = tokens(source)
        for run in text_runs(parts):
            if run.text.strip() not in ALLOWED_TEXT:
                unmarked.append(f"{path.relative_to(settings.BASE_DIR)}:{run.line}: {run.text.strip()[:60]!r}")
        for index, match in attribute_texts(parts):
            if match.group(2) in ALLOWED_TEXT:
                continue
            line = source[: source.find(parts[index])].count("\n") + 1
            unmarked.append(f"{path.relative_to(settings.BASE_DIR)}:{line}: {match.group(1)}={match.group(2)[:60]!r}")
    assert not unmarked, "text outside {% translate %}:\n" + "\n".join(unmarked)


def test_the_extraction_finds_the_shops_strings(extracted):
    ids = {message.id if isinstance(message.id, str) else message.id[0] for message in extracted}
    assert {"Language", "Your proxy is ready", "Sign out"} <= ids


def test_every_language_has_every_msgid_translated_and_none_fuzzy(extracted):
    found = catalogues.problems(extracted)

    report = [
        f"{language}: {len(ids)} {kind}, e.g. {ids[:3]}"
        for kind in ("missing", "untranslated", "fuzzy")
        for language, ids in getattr(found, kind).items()
        if ids and not (kind == "untranslated" and language in IN_TRANSLATION)
    ]
    assert not report, "run `manage.py messages update`, then translate:\n" + "\n".join(report)


def test_translations_keep_the_placeholders_of_the_source(extracted):
    found = catalogues.problems(extracted)

    mismatched = {language: ids for language, ids in found.placeholders.items() if ids}
    assert not mismatched


def test_every_shipped_language_has_a_catalogue():
    for language in catalogues.catalogue_languages():
        assert catalogues.catalogue_path(language).exists(), language
