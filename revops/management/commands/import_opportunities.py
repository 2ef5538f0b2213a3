"""Import opportunities from a CSV file into one organization, all rows or none."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from revops.models import Membership, Organization
from revops.services.imports import opportunity_import


class Command(BaseCommand):
    help = "Import opportunities from a CSV file (validated; writes nothing if any row is bad)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="CSV file with the opportunity import columns.")
        parser.add_argument("--org", required=True, help="Slug of the organization to import into.")
        parser.add_argument(
            "--as", dest="acting_email", default="", help="E-mail of the member recorded as the actor."
        )

    def handle(self, *args, file: Path, org: str, acting_email: str, **options) -> None:
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            raise CommandError(f"No organization with slug {org!r}.")
        acting_user = None
        if acting_email:
            membership = (
                Membership.objects.filter(
                    organization=organization, user__email=acting_email.lower(), is_active=True
                )
                .select_related("user")
                .first()
            )
            if membership is None:
                raise CommandError(f"{acting_email} is not a member of {org}.")
            acting_user = membership.user
        try:
            csv_text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from exc
        try:
            counts = opportunity_import(organization=organization, csv_text=csv_text, acting_user=acting_user)
        except ValidationError as exc:
            for message in exc.messages:
                self.stderr.write(message)
            raise CommandError(f"{len(exc.messages)} error(s); nothing was imported.") from exc
        self.stdout.write(f"created {counts.created}, updated {counts.updated}, unchanged {counts.unchanged}")
