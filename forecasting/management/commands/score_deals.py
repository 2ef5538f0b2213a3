"""Score every open deal with the active win model (one row per deal and day)."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from forecasting.management.commands._org import organization_by_slug
from forecasting.services.modelling import deals_score
from revops.exceptions import ApplicationError


class Command(BaseCommand):
    help = "Score the open deals of one organization with its active win model."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="Slug of the organization.")

    def handle(self, *args, org: str, **options) -> None:
        try:
            counts = deals_score(organization=organization_by_slug(org))
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"Scored {counts['scored']} open deals with model v{counts['model_version']} "
            f"({counts['unchanged']} already scored today)."
        )
