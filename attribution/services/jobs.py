"""Background attribution work, recorded as JobRuns."""

from __future__ import annotations

from django.db.models import Max

from attribution.models import AttributionRuleVersion
from revops.models import JobRun, Organization
from revops.services.jobs import job_enqueue

# The JobRun kind `attribution.tasks.recompute_attribution_task` runs.
RECOMPUTE_KIND = "attribution.recompute"


def attribution_recompute_enqueue(
    *, organization: Organization, actor, idempotency_key: str
) -> tuple[JobRun, bool]:
    """Record a JobRun and run the recompute in the background after commit; (job, created).

    The same key never runs twice, so a double click or a retried request queues one run.
    """
    return job_enqueue(
        organization=organization,
        kind=RECOMPUTE_KIND,
        idempotency_key=idempotency_key,
        started_by=actor,
    )


def attribution_recompute_for_rule_set(*, organization: Organization, actor) -> JobRun:
    """Queue the recompute that brings the ledger in line with the rules as they are now.

    Called after rules are saved or imported. Keyed by the newest rule version of the
    organization, so the same rule set is recomputed once however often it is saved.
    """
    newest = AttributionRuleVersion.objects.filter(organization=organization).aggregate(newest=Max("id"))
    job, _ = attribution_recompute_enqueue(
        organization=organization,
        actor=actor,
        idempotency_key=f"{RECOMPUTE_KIND}:rules-{newest['newest'] or 0}",
    )
    return job
