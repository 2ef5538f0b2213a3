from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from revops.backup.writer import backup_write
from revops.models import Organization


class Command(BaseCommand):
    help = "Write one organization's backup: an .xlsx workbook (a sheet per table) or a .zip of CSVs."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="Organization slug.")
        parser.add_argument("--output", required=True, help="File to write (.xlsx, or .zip for CSVs).")
        parser.add_argument(
            "--format",
            choices=["xlsx", "zip"],
            default=None,
            help="xlsx or zip (default: from the output's extension).",
        )

    def handle(self, *args, org: str, output: str, format: str | None, **options):
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            raise CommandError(f"No organization with slug {org!r}.")
        path = Path(output)
        fmt = format or ("zip" if path.suffix.lower() == ".zip" else "xlsx")
        with path.open("wb") as target:
            summary = backup_write(organization=organization, target=target, fmt=fmt)
        self.stdout.write(
            f"Wrote {path} ({fmt}): {summary.rows} rows in {len(summary.tables)} tables, "
            f"{summary.users} users, {path.stat().st_size} bytes."
        )
