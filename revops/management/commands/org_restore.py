from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from revops.backup.restore import backup_restore
from revops.exceptions import ApplicationError


class Command(BaseCommand):
    help = "Restore a backup file into a new, empty organization (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="The backup (.xlsx or .zip) written by org_backup.")
        parser.add_argument("--org", required=True, help="Slug of the new (or existing, empty) organization.")
        parser.add_argument("--name", default=None, help="Its name (default: the backed-up organization's).")

    def handle(self, *args, file: str, org: str, name: str | None, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No file {file!r}.")
        try:
            with path.open("rb") as source:
                result = backup_restore(file=source, slug=org, name=name)
        except ApplicationError as exc:
            raise CommandError(f"Nothing was restored: {exc.message}") from exc
        ledgers = ", ".join(f"{name} {count} entries" for name, count in sorted(result.ledgers.items()))
        self.stdout.write(
            f"Restored {result.total_rows} rows into {result.organization.slug}: "
            f"{result.users_linked} users re-linked, {len(result.users_created)} created inactive"
            f"{': ' + ', '.join(result.users_created) if result.users_created else ''}; "
            f"ledgers verified ({ledgers})."
        )
        if result.not_in_file:
            self.stdout.write(
                "Tables this version added, not in the file (restored empty): "
                + ", ".join(result.not_in_file)
                + "."
            )
        if result.columns_left_out:
            self.stdout.write(
                "Columns this version no longer has (left out): " + ", ".join(result.columns_left_out) + "."
            )
        if not result.source_chain_checked:
            self.stdout.write(
                "Note: the file's ledger hashes were sealed with a key this installation does not hold, "
                "so the file's own chain could not be checked (the totals were)."
            )
