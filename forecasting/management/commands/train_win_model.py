"""Train the organization's win model now (in the foreground) and report its holdout metrics."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from forecasting.management.commands._org import organization_by_slug
from forecasting.services.modelling import deals_score, win_model_train
from revops.exceptions import ApplicationError


class Command(BaseCommand):
    help = "Train the win model of one organization, promote it if it beats the active one, and score."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="Slug of the organization.")
        parser.add_argument("--no-score", action="store_true", help="Do not score the open deals afterwards.")

    def handle(self, *args, org: str, no_score: bool, **options) -> None:
        organization = organization_by_slug(org)
        try:
            outcome = win_model_train(organization=organization)
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc
        v = outcome.version
        m = v.metrics
        self.stdout.write(f"Model v{v.number}: {v.label}; {v.status}. {v.promotion_note}")
        if m:
            auc = f"{m['auc']:.3f}" if m.get("auc") is not None else "n/a"
            self.stdout.write(
                f"Holdout ({m['examples']} examples): AUC {auc}, Brier {m['brier']:.4f}, "
                f"log loss {m['log_loss']:.4f}, ECE {m['ece']:.4f}, base rate {m['base_rate']:.3f}"
            )
        if v.timing_coverage is not None:
            self.stdout.write(f"Time-to-close P10–P90 coverage on the holdout: {v.timing_coverage:.1%}")
        if not no_score:
            try:
                counts = deals_score(organization=organization)
            except ApplicationError as exc:
                raise CommandError(exc.message) from exc
            self.stdout.write(
                f"Scored {counts['scored']} open deals ({counts['unchanged']} already scored today)."
            )
