"""Background attribution work, recorded as JobRuns."""

from __future__ import annotations

from revops.models import JobRun, Organization
from revops.services.jobs import job_enqueue

# The JobRun kind `attribution.tasks.recompute_attribution_task` runs.
RECOMPUTE_KIND = "attribution.recompute"


def attribution_recompute_enqueue(
    *, organization: Organization, actor, idempotency_key: str, params: dict | None = None
) -> tuple[JobRun, bool]:
    """Record a JobRun and run the ledger alignment in the background after commit; (job, created).

    The same key never runs twice, so a double click or a retried request queues one run.
    `params` narrow it (`attribution.services.alignment`); without them it compares the whole book.
    """
    return job_enqueue(
        organization=organization,
        kind=RECOMPUTE_KIND,
        idempotency_key=idempotency_key,
        params=params,
        started_by=actor,
    )
