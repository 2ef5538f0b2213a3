"""Partner-program background tasks: each one line calling a service, with its options and why."""

from __future__ import annotations

from partners.models import DealRegistration, RegistrationStatus
from partners.services.approvals import registrations_escalate
from partners.services.registrations import registrations_expire_everywhere
from revops.celery import Queue
from revops.jobs import TRANSIENT_DATABASE_ERRORS, periodic_task
from revops.models import Organization


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
    """Escalate registration steps past their SLA (tells each step's escalation target once)."""
    org_ids = (
        DealRegistration.objects.filter(status=RegistrationStatus.SUBMITTED)
        .values_list("organization_id", flat=True)
        .distinct()
    )
    escalated = sum(
        registrations_escalate(organization=o) for o in Organization.objects.filter(pk__in=list(org_ids))
    )
    return {"escalated": escalated}
