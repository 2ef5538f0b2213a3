"""Register a deal from a plain-text e-mail body (`Key: value` lines) for one partner.

    manage.py registration_intake --organization acme --partner 12 message.txt
    manage.py registration_intake --organization acme --partner 12 - < message.txt

The format is documented in `partners.services.intake` and docs/partners.md. Errors are
printed with their line and field, and nothing is written; the exit status is then 1.
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from partners.services.intake import IntakeError, registration_intake
from revops.models import Partner


class Command(BaseCommand):
    help = "Register a deal for a partner from an e-mail body of 'Key: value' lines."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--organization", required=True, help="The organization's slug.")
        parser.add_argument("--partner", required=True, type=int, help="The partner's id.")
        parser.add_argument("path", help="The body as a text file, or - for standard input.")

    def handle(self, *args, organization: str, partner: int, path: str, **options) -> None:
        found = (
            Partner.objects.select_related("organization")
            .filter(pk=partner, organization__slug=organization, status=Partner.Status.ACTIVE)
            .first()
        )
        if found is None:
            raise CommandError(f"No active partner {partner} in organization {organization!r}.")
        try:
            if path == "-":
                text = sys.stdin.read()
            else:
                with open(path, encoding="utf-8") as handle:
                    text = handle.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        try:
            registration = registration_intake(partner=found, text=text)
        except IntakeError as exc:
            raise CommandError("Not registered:\n" + str(exc)) from exc
        conflict = " (possible conflict)" if registration.has_conflict else ""
        self.stdout.write(f"Registered {registration.pk}: {registration.account_name}{conflict}")
