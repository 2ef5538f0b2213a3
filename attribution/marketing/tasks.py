"""Marketing background tasks: each one line calling a service, with its Celery options and why."""

from __future__ import annotations

from attribution.marketing.services.runs import RUN_KIND, run_execute
from attribution.marketing.services.schedules import scheduled_runs_start
from revops.celery import Queue
from revops.jobs import TRANSIENT_DATABASE_ERRORS, Counts, job_task, periodic_task
from revops.models import JobRun
from revops.services.jobs import JobProgress


@job_task(
    kind=RUN_KIND,
    # A bootstrap over a year of journeys takes seconds to minutes: the bulk queue, so it never
    # holds up imports a user is waiting on.
    queue=Queue.BULK,
    # A lost worker leaves the message for another; a finished run is left as is and the
    # results are written in one transaction, so running twice is safe.
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT_DATABASE_ERRORS,
    retry_backoff=True,
    max_retries=3,
    # Still queued after six hours: the next scheduled or clicked run replaces it.
    expires=6 * 60 * 60,
)
def run_attribution_task(job: JobRun, progress: JobProgress) -> Counts:
    """Compute one attribution run (journeys, model, bootstrap, stored results)."""
    run = run_execute(
        run_id=int(job.params["run_id"]),
        progress=lambda done, total: progress.report(done=done, total=total),
    )
    return {"journeys": run.journeys, "touches": run.touches}


@periodic_task(
    # Nightly, nobody waits for it; it only queues runs (each a JobRun on the bulk queue).
    queue=Queue.BULK,
    acks_late=True,
    reject_on_worker_lost=True,
    # Each schedule is claimed with a conditional update, so a retry starts no run twice.
    autoretry_for=TRANSIENT_DATABASE_ERRORS,
    retry_backoff=True,
    max_retries=3,
    # Still waiting after 6 hours: the next night's call starts what is due.
    expires=6 * 60 * 60,
)
def start_scheduled_runs_task() -> dict[str, int]:
    """Queue a run of every marketing configuration whose schedule is due."""
    return {"runs": len(scheduled_runs_start())}
