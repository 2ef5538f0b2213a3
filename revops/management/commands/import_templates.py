"""Write the CSV and Excel templates of import kinds into a folder."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from revops.imports.kinds import import_kind_get, import_kind_list
from revops.imports.templates import template_csv, template_filename, template_xlsx


class Command(BaseCommand):
    help = "Write each import kind's CSV and Excel template (header, example row, About sheet) to a folder."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "output", type=Path, help="Folder to write the templates into (created if missing)."
        )
        parser.add_argument(
            "--kind", action="append", default=[], help="Only this kind (repeatable); default every kind."
        )

    def handle(self, *args, output: Path, kind: list[str], **options) -> None:
        try:
            kinds = [import_kind_get(name) for name in kind] if kind else import_kind_list()
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        output.mkdir(parents=True, exist_ok=True)
        for item in kinds:
            for fmt, build in (("csv", template_csv), ("xlsx", template_xlsx)):
                path = output / template_filename(item, fmt)
                path.write_bytes(build(item))
                self.stdout.write(str(path))
