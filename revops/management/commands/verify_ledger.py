from django.core.management.base import BaseCommand, CommandError

from revops.ledger.spec import ledger_spec, registered_ledgers
from revops.ledger.verify import ledger_verify
from revops.models import Organization


class Command(BaseCommand):
    help = "Check an organization's ledgers: sequence, prev_hash links, keyed hashes, head, seals, totals."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="Organization slug.")
        parser.add_argument(
            "--ledger", default="", help="One ledger's name (default: every registered ledger)."
        )

    def handle(self, *args, org: str, ledger: str, **options):
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            raise CommandError(f"No organization with slug {org!r}.")
        try:
            specs = [ledger_spec(ledger)] if ledger else registered_ledgers()
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        broken = []
        for spec in specs:
            report = ledger_verify(spec=spec, organization=organization)
            if report.problem is None:
                self.stdout.write(
                    f"Ledger {spec.name} intact: {report.entries} entries, {report.seals} period seals."
                )
            else:
                broken.append(
                    f"Ledger {spec.name} broken at sequence {report.problem.sequence}: {report.problem.problem}"
                )
        if broken:
            raise CommandError("\n".join(broken), returncode=2)
