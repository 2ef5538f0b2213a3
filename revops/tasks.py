"""Core background tasks: each one line calling a service, with its Celery options and why."""

from __future__ import annotations

from revops.celery import Queue
from revops.jobs import TRANSIENT_DATABASE_ERRORS, Counts, job_task, periodic_task
from revops.models import JobRun
from revops.services.imports import IMPORT_KIND, import_file_read, opportunity_import
from revops.services.jobs import JobProgress
from revops.services.periods import periods_ensure_ahead_everywhere


@job_task(
    kind=IMPORT_KIND,
    # A user waits for an import.
    queue=Queue.DEFAULT,
    # A worker lost mid-import leaves the message for another; the claim keeps it to one run.
    acks_late=True,
    reject_on_worker_lost=True,
    # Only transient database trouble (lock timeout, lost connection) is worth a retry;
    # a bad file fails the job at once with its row errors.
    autoretry_for=TRANSIENT_DATABASE_ERRORS,
    retry_backoff=True,
    max_retries=3,
    # One still queued after an hour is better started again.
    expires=60 * 60,
)
def import_opportunities_task(job: JobRun, progress: JobProgress) -> Counts:
    """Run the opportunity import recorded in the JobRun (the service reports its own progress)."""
    return opportunity_import(
        organization=job.organization,
        csv_text=import_file_read(path=job.params["file"]),
        acting_user=job.started_by,
        job_run_id=job.pk,
    ).as_dict()


@periodic_task(
    # Scheduled daily, nobody waits for it.
    queue=Queue.BULK,
    acks_late=True,
    reject_on_worker_lost=True,
    # Idempotent (creates only missing months), so a retry after a database error is safe.
    autoretry_for=TRANSIENT_DATABASE_ERRORS,
    retry_backoff=True,
    max_retries=3,
    # A run still waiting after 6 hours is superseded by the next one.
    expires=6 * 60 * 60,
)
def ensure_fiscal_periods_task() -> dict[str, int]:
    """Create every organization's monthly periods 12 months ahead (idempotent)."""
    return periods_ensure_ahead_everywhere()
