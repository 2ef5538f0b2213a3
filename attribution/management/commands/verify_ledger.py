from django.core.management.base import BaseCommand, CommandError

from attribution.services.verify import ledger_verify
from revops.models import Organization


class Command(BaseCommand):
    help = "Check an organization's attribution ledger hash chain and period seals."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="Organization slug.")

    def handle(self, *args, org: str, **options):
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            raise CommandError(f"No organization with slug {org!r}.")
        report = ledger_verify(organization=organization)
        if report.problem is not None:
            raise CommandError(
                f"Ledger broken at sequence {report.problem.sequence}: {report.problem.problem}",
                returncode=2,
            )
        self.stdout.write(f"Ledger intact: {report.entries} entries, {report.seals} period seals.")
