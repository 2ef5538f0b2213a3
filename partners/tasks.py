"""Partner-program background tasks: each one line calling a service, with its options and why."""

from __future__ import annotations

from django.utils import timezone

from partners.models import DealRegistration, PartnerTouchpoint, SplitChangeRequest
from partners.services.decisions import approvals_escalate
from partners.services.registrations import registrations_expire_everywhere
from partners.services.standing import PROGRAM_KIND, program_recompute, program_recompute_everywhere
from revops.celery import Queue
from revops.jobs import TRANSIENT_DATABASE_ERRORS, Counts, job_task, periodic_task
from revops.models import JobRun, Organization
from revops.services.jobs import JobProgress


@periodic_task(
    # Scheduled daily, nobody waits for it.
    queue=Queue.BULK,
    acks_late=True,
    reject_on_worker_lost=True,
    # Idempotent (a registration expires once and is warned once), so a retry is safe.
    autoretry_for=TRANSIENT_DATABASE_ERRORS,
    retry_backoff=True,
    max_retries=3,
    # A run still waiting after 6 hours is superseded by the next one.
    expires=6 * 60 * 60,
)
def expire_registrations_task() -> dict[str, int]:
    """Expire registrations past their protection window and warn those close to it."""
    return registrations_expire_everywhere()


@periodic_task(
    # Hourly; nobody waits for it.
    queue=Queue.BULK,
    acks_late=True,
    reject_on_worker_lost=True,
    # Idempotent (a step is escalated once), so a retry is safe.
    autoretry_for=TRANSIENT_DATABASE_ERRORS,
    retry_backoff=True,
    max_retries=3,
    # The next hourly run supersedes one still waiting after 50 minutes.
    expires=50 * 60,
)
def escalate_registrations_task() -> dict[str, int]:
    """Escalate approval steps past their SLA — registrations, touchpoints, split changes
    (tells each step's escalation target once)."""
    pending = [
        model.objects.filter(status="submitted").values_list("organization_id", flat=True)
        for model in (DealRegistration, PartnerTouchpoint, SplitChangeRequest)
    ]
    org_ids = set().union(*(set(q.distinct()) for q in pending))
    now = timezone.now()
    escalated = 0
    for organization in Organization.objects.filter(pk__in=sorted(org_ids)):
        escalated += sum(approvals_escalate(organization=organization, now=now).values())
    return {"escalated": escalated}


@job_task(
    kind=PROGRAM_KIND,
    # Seconds to a minute for thousands of partners; a manager may wait on the button's run,
    # but the nightly ones for every organization must not hold up the default queue.
    queue=Queue.BULK,
    acks_late=True,
    reject_on_worker_lost=True,
    # A rerun computes the same tiers (no change written twice), a new health snapshot, and
    # no alert twice (unique keys): safe to retry.
    autoretry_for=TRANSIENT_DATABASE_ERRORS,
    retry_backoff=True,
    max_retries=3,
    # Still queued after six hours: the next run computes from fresher figures.
    expires=6 * 60 * 60,
)
def recompute_program_task(job: JobRun, progress: JobProgress) -> Counts:
    """Tiers, health and alerts of every partner of the job's organization."""
    return program_recompute(organization=job.organization, job_run=job)


@periodic_task(
    # Nightly; nobody waits for it.
    queue=Queue.BULK,
    acks_late=True,
    reject_on_worker_lost=True,
    # Keyed per organization and day: a second delivery queues nothing.
    autoretry_for=TRANSIENT_DATABASE_ERRORS,
    retry_backoff=True,
    max_retries=3,
    expires=6 * 60 * 60,
)
def recompute_program_everywhere_task() -> int:
    """Queue today's program recompute for every organization with tiers configured."""
    return program_recompute_everywhere()
