"""Commission background tasks: each one line calling a service, with its Celery options and why."""

from __future__ import annotations

import datetime as dt

from commissions.services.jobs import COMPUTE_KIND
from commissions.services.statements import statements_compute
from revops.celery import Queue
from revops.jobs import TRANSIENT_DATABASE_ERRORS, Counts, job_task
from revops.models import JobRun
from revops.services.jobs import JobProgress


@job_task(
    kind=COMPUTE_KIND,
    # Finance pressed "Compute" and watches the progress bar.
    queue=Queue.DEFAULT,
    # A worker lost mid-run leaves the message for another; the claim keeps it to one run, and
    # the computation writes in one transaction and only where figures changed, so running it
    # again is safe.
    acks_late=True,
    reject_on_worker_lost=True,
    # A lock wait or a lost connection is worth another attempt; a refused month is not.
    autoretry_for=TRANSIENT_DATABASE_ERRORS,
    retry_backoff=True,
    max_retries=3,
    # Still queued after an hour: the data has likely moved on; the next click queues afresh.
    expires=60 * 60,
)
def compute_statements_task(job: JobRun, progress: JobProgress) -> Counts:
    """Compute the month's statements for every rep with a plan (drafts, corrections)."""
    return statements_compute(
        organization=job.organization,
        actor=job.started_by,
        month=dt.date.fromisoformat(job.params["month"]),
        progress=lambda done, total: progress.report(done=done, total=total),
    ).as_counts()
