from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from attribution.services.revenue import RevenueImportError, revenue_events_import
from revops.models import Organization


class Command(BaseCommand):
    help = "Import revenue events from a CSV file (all or nothing) and attribute them."

    def add_arguments(self, parser):
        parser.add_argument(
            "file",
            type=Path,
            help="CSV with account_external_id/opportunity_external_id, date, amount, external_id.",
        )
        parser.add_argument("--org", required=True, help="Organization slug.")

    def handle(self, *args, file: Path, org: str, **options):
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            raise CommandError(f"No organization with slug {org!r}.")
        try:
            with file.open(newline="", encoding="utf-8-sig") as handle:
                result = revenue_events_import(organization=organization, lines=handle)
        except RevenueImportError as exc:
            for error in exc.errors:
                self.stderr.write(error)
            raise CommandError(str(exc)) from exc
        posted = result.posting.entries if result.posting else 0
        self.stdout.write(
            f"Imported {result.created} revenue events, skipped {result.skipped} already imported; "
            f"posted {posted} ledger entries."
        )
