from django.core.management.base import BaseCommand, CommandError

from attribution.services.recompute import attribution_recompute
from revops.models import Organization, Partner


class Command(BaseCommand):
    help = "Post the difference between the current partner splits and the attribution ledger."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="Organization slug.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Print what would be posted; write nothing."
        )

    def handle(self, *args, org: str, dry_run: bool, **options):
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            raise CommandError(f"No organization with slug {org!r}.")
        result = attribution_recompute(organization=organization, dry_run=dry_run)
        verb = "Would post" if dry_run else "Posted"
        kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(result.by_kind.items())) or "nothing"
        self.stdout.write(f"{verb} {result.entries} entries for {result.events} revenue events ({kinds}).")
        names = dict(Partner.objects.filter(pk__in=list(result.totals_by_partner)).values_list("id", "name"))
        for partner_id, total in sorted(result.totals_by_partner.items()):
            self.stdout.write(f"  {names.get(partner_id, partner_id)}: {total}")
        self.stdout.write(f"Total: {result.total}")
