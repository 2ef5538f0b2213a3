"""Distribution background tasks: each one line calling a service, with its Celery options and why."""

from __future__ import annotations

from distribution.services.jobs import RUN_KIND, distribution_job_run, scheduled_runs_enqueue
from revops.celery import Queue
from revops.jobs import TRANSIENT_DATABASE_ERRORS, Counts, job_task, periodic_task
from revops.models import JobRun
from revops.services.jobs import JobProgress


@job_task(
    kind=RUN_KIND,
    # A manager may be watching the preview's progress bar, but a daily run of 100,000 leads
    # is bulk work: it stays off the queue of quick interactive jobs.
    queue=Queue.BULK,
    # A worker lost mid-run leaves the message for another; the claim keeps it to one run,
    # and the run writes in one transaction, so running it again is safe.
    acks_late=True,
    reject_on_worker_lost=True,
    # A lock wait or a lost connection is worth another attempt; a refused config is not.
    autoretry_for=TRANSIENT_DATABASE_ERRORS,
    retry_backoff=True,
    max_retries=3,
    # Still queued after six hours: the day's leads have moved on; the next day queues afresh.
    expires=6 * 60 * 60,
)
def run_distribution_task(job: JobRun, progress: JobProgress) -> Counts:
    """Plan, record and (unless a dry run) apply one distribution configuration."""
    return distribution_job_run(job=job, progress=progress)


@periodic_task(
    # Hourly and quick (it only queues runs); nobody waits for it.
    queue=Queue.BULK,
    acks_late=True,
    reject_on_worker_lost=True,
    # Idempotent: one run per configuration per local day (the JobRun key names the day).
    autoretry_for=TRANSIENT_DATABASE_ERRORS,
    retry_backoff=True,
    max_retries=3,
    # The next hour's beat supersedes a message still waiting.
    expires=55 * 60,
)
def queue_daily_distributions_task() -> int:
    """Queue the daily run of every active configuration whose organization's hour has come."""
    return scheduled_runs_enqueue()
