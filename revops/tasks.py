"""Core background tasks: thin wrappers that claim a JobRun and call a service."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from celery import Task
from django.db import OperationalError
from django.utils import timezone

from revops.celery import Queue, app
from revops.models import Organization
from revops.services.imports import import_job_run
from revops.services.jobs import job_fail
from revops.services.periods import periods_ensure_ahead


class JobRunTask(Task):
    """Marks the task's JobRun failed when the task gives up (retries exhausted, crash)."""

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        job_run_id = kwargs.get("job_run_id", args[0] if args else None)
        if job_run_id is not None:
            job_fail(job_run_id=job_run_id, error=f"{type(exc).__name__}: {exc}")


@app.task(
    base=JobRunTask,
    revops_queue=Queue.DEFAULT.value,
    acks_late=True,
    reject_on_worker_lost=True,
    # Only transient database trouble (lock timeout, lost connection) is worth a retry;
    # a bad file fails the job at once with its row errors.
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
    # A user waits for an import; one still queued after an hour is better started again.
    expires=60 * 60,
)
def run_import_task(job_run_id: int) -> dict | None:
    """Run the import (preview or apply) recorded in JobRun `job_run_id`, at most once."""
    job = import_job_run(job_run_id=job_run_id)
    return job.counts if job is not None else None


@app.task(
    revops_queue=Queue.BULK.value,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
    # Scheduled daily; a run still waiting after 6 hours is superseded by the next one.
    expires=6 * 60 * 60,
)
def ensure_fiscal_periods_task() -> dict[str, int]:
    """Create every organization's monthly periods 12 months ahead (idempotent)."""
    created = {}
    for organization in Organization.objects.order_by("pk"):
        today = timezone.localdate(timezone=ZoneInfo(organization.time_zone))
        created[organization.slug] = periods_ensure_ahead(organization=organization, today=today)
    return created
