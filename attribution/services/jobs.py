"""Background attribution work, recorded as JobRuns."""

from __future__ import annotations

from attribution.tasks import recompute_attribution_task
from revops.models import JobRun, Organization
from revops.services.jobs import job_enqueue


def attribution_recompute_enqueue(
    *, organization: Organization, actor, idempotency_key: str, params: dict | None = None
) -> tuple[JobRun, bool]:
    """Record a JobRun and run the recompute in the background after commit; (job, created).

    The same key never runs twice, so a double click or a retried request queues one run.
    """
    return job_enqueue(
        organization=organization,
        kind="attribution.recompute",
        idempotency_key=idempotency_key,
        task=recompute_attribution_task,
        params=params,
        started_by=actor,
    )
