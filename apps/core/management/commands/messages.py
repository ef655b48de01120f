"""The message catalogues (apps/core/catalogues.py):

manage.py messages compile             the .mo files (make install, the image build)
manage.py messages update              new msgids into every language's .po, dropped ones out
manage.py messages check               missing, untranslated, fuzzy entries; placeholders
manage.py messages export de > de.json the entries still to translate, as JSON
manage.py messages import de de.json   the translated JSON back into locale/de"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.core import catalogues


class Command(BaseCommand):
    help = "Keeps the shop's message catalogues: compile, update, check, export, import."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["compile", "update", "check", "export", "import"])
        parser.add_argument("language", nargs="?", help="export/import: pt_BR, zh_Hans, de, ...")
        parser.add_argument("file", nargs="?", help="import: the JSON file")
        parser.add_argument("--domain", default="django", choices=catalogues.DOMAINS)
        parser.add_argument("--all", action="store_true", help="export: translated entries too")

    def handle(self, *args, action, language, file, domain, all, **options):
        if action == "compile":
            written = catalogues.compile_all()
            self.stdout.write(f"messages: {len(written)} catalogue(s) compiled")
        elif action == "update":
            for code, todo in catalogues.update(domain).items():
                self.stdout.write(f"{code}: {todo} to translate")
        elif action == "check":
            found = catalogues.problems(catalogues.extract(domain), domain)
            for kind in ("missing", "untranslated", "fuzzy", "placeholders"):
                for code, ids in getattr(found, kind).items():
                    if ids:
                        self.stdout.write(f"{code}: {len(ids)} {kind}, e.g. {ids[0]!r}")
            if found:
                raise CommandError("catalogues are incomplete")
        elif action == "export":
            self.stdout.write(
                catalogues.dump_json(catalogues.export(self._language(language), domain, only_missing=not all))
            )
        else:
            if not file:
                raise CommandError("import needs a JSON file")
            rows = json.loads(Path(file).read_text(encoding="utf-8"))
            written = catalogues.import_rows(self._language(language), rows, domain)
            self.stdout.write(f"{language}: {written} entries written")

    @staticmethod
    def _language(language: str | None) -> str:
        if language not in catalogues.catalogue_languages():
            raise CommandError(f"language: one of {catalogues.catalogue_languages()}")
        return language
