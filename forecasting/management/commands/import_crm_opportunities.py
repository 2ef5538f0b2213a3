"""Import a CRM opportunity export described by a YAML mapping file (all rows or none)."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from forecasting.management.commands._org import organization_by_slug
from forecasting.services.crm_import import CrmMapping, crm_opportunities_import


class Command(BaseCommand):
    help = "Import opportunities and their stage history from a CRM export with a YAML mapping."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="The CSV export.")
        parser.add_argument("--org", required=True, help="Slug of the organization.")
        parser.add_argument("--mapping", required=True, type=Path, help="The YAML mapping file.")

    def handle(self, *args, file: Path, org: str, mapping: Path, **options) -> None:
        organization = organization_by_slug(org)
        try:
            spec = CrmMapping.from_yaml(mapping.read_text(encoding="utf-8"))
            content = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {exc.filename}: {exc.strerror}.") from exc
        except ValidationError as exc:
            raise CommandError("\n".join(exc.messages)) from exc
        try:
            counts = crm_opportunities_import(organization=organization, content=content, mapping=spec)
        except ValidationError as exc:
            for message in exc.messages:
                self.stderr.write(message)
            raise CommandError(f"{len(exc.messages)} problem(s); nothing was imported.") from exc
        self.stdout.write(
            f"{counts['rows']} rows: created {counts['created']} opportunities, "
            f"{counts['existing']} already there; {counts['owners']} owners."
        )
