"""Celery tasks for attribution: thin wrappers that claim a JobRun and call a service."""

from __future__ import annotations

from django.db import OperationalError

from attribution.services.ledger_align import ledger_align
from revops.celery import Queue, app
from revops.services.jobs import job_claim, job_fail, job_succeed


@app.task(
    revops_queue=Queue.DEFAULT.value,
    acks_late=True,
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
    expires=60 * 60,
)
def recompute_attribution_task(*, job_run_id: int) -> None:
    """Run one queued ledger alignment; a second delivery finds the job claimed and stops."""
    job = job_claim(job_run_id=job_run_id)
    if job is None:
        return
    try:
        result = ledger_align(
            organization=job.organization,
            actor=job.started_by,
            account_ids=job.params.get("accounts"),
            full=not job.params.get("narrow", False),
        )
    except Exception as exc:
        job_fail(job_run_id=job_run_id, error=str(exc))
        raise
    job_succeed(job_run_id=job_run_id, counts=result.as_counts())
