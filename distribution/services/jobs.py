"""Distribution runs as JobRuns: started from a page or the API, or by the daily schedule.

A run of a saved configuration is queued by kind (`distribution.run`) with an idempotency
key: a double click queues one run, and the schedule's key names the organization's day, so
the hourly beat queues each active configuration once per local day at `DAILY_HOUR`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

from django.utils import timezone

from distribution.engine import ConfigError, load_text
from distribution.models import DistributionConfig, DistributionRun
from distribution.selectors.inputs import RunOptions, distribution_prepare
from distribution.services.runs import distribution_run
from revops.connectors.errors import ConnectorError
from revops.exceptions import ApplicationError
from revops.models import JobRun, Organization
from revops.services.jobs import JobProgress, job_enqueue

RUN_KIND = "distribution.run"
# The organization's local hour at which the daily run of every active configuration starts.
DAILY_HOUR = 6


def distribution_run_enqueue(
    *,
    organization: Organization,
    config: DistributionConfig,
    dry_run: bool,
    acting_user=None,
    max_leads: int | None = None,
    idempotency_key: str = "",
    run_on: dt.date | None = None,
) -> tuple[JobRun, bool]:
    """Queue a run of `config` (refused before anything is written if its document is bad)."""
    try:
        load_text(config.document)
    except ConfigError as exc:
        from django.core.exceptions import ValidationError

        raise ValidationError(f"The configuration is not valid: {exc}") from None
    key = idempotency_key or f"distribution:{config.pk}:{uuid.uuid4().hex}"
    return job_enqueue(
        organization=organization,
        kind=RUN_KIND,
        idempotency_key=key,
        params={
            "config_id": config.pk,
            "dry_run": dry_run,
            "max_leads": max_leads,
            "run_on": run_on.isoformat() if run_on else None,
        },
        started_by=acting_user,
    )


def distribution_job_run(*, job: JobRun, progress: JobProgress) -> dict:
    """Body of the run task: plan and record (and apply unless a dry run) one configuration."""
    config = DistributionConfig.objects.get(pk=job.params["config_id"], organization=job.organization)
    try:
        doc = load_text(config.document)
    except ConfigError as exc:
        from django.core.exceptions import ValidationError

        raise ValidationError(f"The configuration is not valid: {exc}") from None
    options = RunOptions(dry_run=bool(job.params.get("dry_run", True)), max_leads=job.params.get("max_leads"))
    progress.report(done=0, total=1)
    run_on = job.params.get("run_on")
    try:
        prepared = distribution_prepare(
            job.organization,
            doc,
            state_json=config.state,
            options=options,
            today=dt.date.fromisoformat(run_on) if run_on else None,
        )
        progress.report(done=1, total=3)
        run = distribution_run(
            organization=job.organization,
            prepared=prepared,
            config=config,
            acting_user=job.started_by,
            job_run=job,
            progress=lambda done, total: progress.report(done=done, total=total, start=33, span=67),
        )
    except ConfigError as exc:
        raise ApplicationError(f"The configuration is not valid: {exc}") from None
    except ConnectorError as exc:
        # Retrying here would repeat the connector's own bounded retries: refuse with the reason.
        raise ApplicationError(f"The CRM failed: {exc}. Nothing was written in revops.") from None
    return {"run_id": run.pk, "status": run.status, **run.counts}


def scheduled_runs_enqueue(*, now: dt.datetime | None = None) -> int:
    """Queue today's applied run of every active configuration whose local hour has come."""
    now = now or timezone.now()
    queued = 0
    for config in DistributionConfig.objects.filter(active=True).select_related("organization"):
        org = config.organization
        local = now.astimezone(ZoneInfo(org.time_zone or "UTC"))
        if local.hour != DAILY_HOUR:
            continue
        already = DistributionRun.objects.filter(config=config, mode="applied", run_on=local.date()).exists()
        if already:
            continue
        _job, created = distribution_run_enqueue(
            organization=org,
            config=config,
            dry_run=False,
            idempotency_key=f"distribution:daily:{config.pk}:{local.date().isoformat()}",
            run_on=local.date(),
        )
        queued += int(created)
    return queued
