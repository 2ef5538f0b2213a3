"""Run a stored model configuration for an organization, as a JobRun with progress."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from attribution.marketing.models import ModelConfig
from attribution.marketing.services.runs import run_create
from revops.models import JobRun, Organization
from revops.selectors.periods import organization_today


class Command(BaseCommand):
    help = "Queue (and, without a broker, run) an attribution run of a stored configuration."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--org", required=True, help="Organization slug")
        parser.add_argument("--config", required=True, help="Model configuration name (its current version)")
        parser.add_argument(
            "--start", type=dt.date.fromisoformat, help="Window start (default: a year before the end)"
        )
        parser.add_argument("--end", type=dt.date.fromisoformat, help="Window end (default: today)")

    def handle(self, *args, **options) -> None:
        try:
            organization = Organization.objects.get(slug=options["org"])
        except Organization.DoesNotExist:
            raise CommandError(f"No organization with slug {options['org']!r}") from None
        config = ModelConfig.objects.filter(
            organization=organization, name=options["config"], is_current=True
        ).first()
        if config is None:
            raise CommandError(f"No configuration named {options['config']!r} in {organization.slug}")
        end = options["end"] or organization_today(organization)
        start = options["start"] or end - dt.timedelta(days=365)
        run, job = run_create(
            organization=organization, config=config, actor=None, window_start=start, window_end=end
        )
        job.refresh_from_db()
        run.refresh_from_db()
        self.stdout.write(
            f"run #{run.pk} ({config}) job #{job.pk}: {job.status}, {job.progress} %"
            + (
                f", {run.journeys} journeys, {run.conversions} conversions, {run.value} value"
                if job.status == JobRun.Status.SUCCEEDED
                else ""
            )
        )
