"""Commission background tasks: each one line calling a service, with its Celery options and why."""

from __future__ import annotations

import datetime as dt

from commissions.models import CommissionPlan
from commissions.selectors.simulator import Draft, simulate
from commissions.services.jobs import COMPUTE_KIND, SIMULATE_KIND
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


@job_task(
    kind=SIMULATE_KIND,
    # Finance waits for the result on the simulator page.
    queue=Queue.DEFAULT,
    # It reads and writes nothing but its own run: running it twice is harmless.
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT_DATABASE_ERRORS,
    retry_backoff=True,
    max_retries=3,
    # Still queued after an hour: nobody is waiting for it any more.
    expires=60 * 60,
)
def simulate_plan_task(job: JobRun, progress: JobProgress) -> Counts:
    """Simulate draft terms of a plan for a month (nothing saved; the result is the run's counts)."""
    plan = CommissionPlan.objects.get(organization=job.organization, pk=job.params["plan"])
    return simulate(
        organization=job.organization,
        plan=plan,
        draft=Draft.from_params(job.params),
        rep_ids=[int(pk) for pk in job.params["reps"]],
    ).as_counts()
