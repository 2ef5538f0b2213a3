"""Background attribution work, recorded as JobRuns."""

from __future__ import annotations

from django.db.models import Max

from attribution.models import AttributionRuleVersion
from attribution.tasks import recompute_attribution_task
from revops.models import JobRun, Organization
from revops.services.jobs import job_enqueue


def attribution_recompute_enqueue(
    *, organization: Organization, actor, idempotency_key: str
) -> tuple[JobRun, bool]:
    """Record a JobRun and run the recompute in the background after commit; (job, created).

    The same key never runs twice, so a double click or a retried request queues one run.
    """
    return job_enqueue(
        organization=organization,
        kind="attribution.recompute",
        idempotency_key=idempotency_key,
        task=recompute_attribution_task,
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
        idempotency_key=f"attribution.recompute:rules-{newest['newest'] or 0}",
    )
    return job
