"""Import a file of any registered kind (accounts, partners, links, ...) into one organization."""

from django.core.management.base import CommandParser

from revops.imports.command import ImportCommand
from revops.imports.kinds import import_kind_list


class Command(ImportCommand):
    help = "Import a file of the given kind (validated; writes nothing if any row is bad)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "kind", choices=[kind.name for kind in import_kind_list()], help="The import kind of the file."
        )
        super().add_arguments(parser)

    def handle(self, *args, kind: str, **options):  # type: ignore[override]
        self.kind_name = kind
        return super().handle(*args, **options)
