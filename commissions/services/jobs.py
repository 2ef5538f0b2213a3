"""Background commission work, recorded as JobRuns: computing a month's statements."""

from __future__ import annotations

import datetime as dt

from commissions.selectors.statements import COMPUTE_KIND, compute_data_version
from commissions.services.statements import ERROR_MONTH
from revops.exceptions import ApplicationError
from revops.models import JobRun, Organization
from revops.services.jobs import job_enqueue, job_retry

__all__ = ["COMPUTE_KIND", "statements_compute_enqueue"]


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
