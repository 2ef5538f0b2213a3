"""Attribution background tasks: each one line calling a service, with its Celery options and why."""

from __future__ import annotations

from attribution.services.jobs import RECOMPUTE_KIND
from attribution.services.recompute import attribution_recompute
from revops.celery import Queue
from revops.jobs import TRANSIENT_DATABASE_ERRORS, Counts, job_task
from revops.models import JobRun
from revops.services.jobs import JobProgress


@job_task(
    kind=RECOMPUTE_KIND,
    # A user who saved rules or links waits for the ledger to follow.
    queue=Queue.DEFAULT,
    # A worker lost mid-recompute leaves the message for another; the claim keeps it to one run,
    # and the recompute posts only differences, so a run cut short is safe to start again.
    acks_late=True,
    reject_on_worker_lost=True,
    # A lock wait on the ledger or a lost connection is worth another attempt; a refused
    # recompute (closed period, bad rules) is not.
    autoretry_for=TRANSIENT_DATABASE_ERRORS,
    retry_backoff=True,
    max_retries=3,
    # A recompute still queued after an hour is stale: the next change queues a fresh one.
    expires=60 * 60,
)
def recompute_attribution_task(job: JobRun, progress: JobProgress) -> Counts:
    """Bring the organization's attribution ledger in line with its splits."""
    return attribution_recompute(organization=job.organization, actor=job.started_by).as_counts()
