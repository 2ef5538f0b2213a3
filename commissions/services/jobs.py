"""Background commission work, recorded as JobRuns: computing a month's statements, and plan
simulations too large for a request."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from commissions.selectors.simulator import SIMULATE_KIND, Draft
from commissions.selectors.statements import COMPUTE_KIND, compute_data_version
from commissions.services.statements import ERROR_MONTH
from revops.exceptions import ApplicationError
from revops.models import JobRun, Organization
from revops.services.jobs import job_enqueue, job_retry

__all__ = ["COMPUTE_KIND", "SIMULATE_KIND", "simulation_enqueue", "statements_compute_enqueue"]


def statements_compute_enqueue(*, organization: Organization, actor, month: dt.date) -> tuple[JobRun, bool]:
    """Queue the computation of `month`'s statements after commit; (job, queued).

    Keyed by the month and the version of the data it reads (`compute_data_version`): asked
    again on unchanged data (a double click, a second finance user) it returns the run that
    already computed it and queues nothing; a run of that key that failed is run again.
    """
    if month.day != 1:
        raise ApplicationError(ERROR_MONTH)
    version = compute_data_version(organization=organization, month=month)
    job, created = job_enqueue(
        organization=organization,
        kind=COMPUTE_KIND,
        idempotency_key=f"{COMPUTE_KIND}:{month:%Y-%m}:{version}",
        params={"month": month.isoformat()},
        started_by=actor,
    )
    if not created and job.status == JobRun.Status.FAILED:
        return job, job_retry(job=job)
    return job, created


def simulation_enqueue(
    *, organization: Organization, actor, draft: Draft, rep_ids: list[int]
) -> tuple[JobRun, bool]:
    """Queue a plan simulation (it saves nothing; its result is kept in the run's counts).

    Keyed by the draft, the reps and the version of the month's data: the same simulation
    asked twice on unchanged data is one run.
    """
    params = {**draft.as_params(), "reps": rep_ids}
    version = compute_data_version(organization=organization, month=draft.month)
    digest = hashlib.sha256(json.dumps(params, sort_keys=True).encode()).hexdigest()[:24]
    job, created = job_enqueue(
        organization=organization,
        kind=SIMULATE_KIND,
        idempotency_key=f"{SIMULATE_KIND}:{digest}:{version}",
        params=params,
        started_by=actor,
    )
    if not created and job.status == JobRun.Status.FAILED:
        return job, job_retry(job=job)
    return job, created
