"""JobRun lifecycle: enqueue once per key, claim, report progress, finish or fail.

Tasks may run twice (acks_late, worker loss, a double click): the unique
(organization, idempotency_key) row makes enqueueing idempotent, and the conditional
QUEUED → RUNNING update makes sure only one worker does the work.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from revops.models import JobRun, Organization


def job_enqueue(
    *,
    organization: Organization,
    kind: str,
    idempotency_key: str,
    task: Callable[..., object] | None,
    params: dict | None = None,
    started_by=None,
) -> tuple[JobRun, bool]:
    """Record a JobRun and queue `task(job_run_id=…)` after commit; (job, created).

    A second call with the same key returns the existing run and queues nothing.
    """
    user = started_by if started_by is not None and started_by.is_authenticated else None
    try:
        with transaction.atomic():
            job = JobRun.objects.create(
                organization=organization,
                kind=kind,
                idempotency_key=idempotency_key,
                params=params or {},
                started_by=user,
            )
    except IntegrityError:
        return JobRun.objects.get(organization=organization, idempotency_key=idempotency_key), False
    if task is not None:
        transaction.on_commit(lambda: task.delay(job_run_id=job.pk))
    return job, True


def job_claim(*, job_run_id: int) -> JobRun | None:
    """Move a queued run to running; None when another worker already has (or had) it."""
    claimed = JobRun.objects.filter(pk=job_run_id, status=JobRun.Status.QUEUED).update(
        status=JobRun.Status.RUNNING, started_at=timezone.now(), progress=0
    )
    if claimed != 1:
        return None
    return JobRun.objects.get(pk=job_run_id)


def job_progress(*, job_run_id: int, progress: int, counts: dict | None = None) -> None:
    """Report progress 0–100 (and counts so far) while running."""
    fields: dict = {"progress": max(0, min(100, int(progress)))}
    if counts is not None:
        fields["counts"] = counts
    JobRun.objects.filter(pk=job_run_id, status=JobRun.Status.RUNNING).update(**fields)


def job_succeed(*, job_run_id: int, counts: dict | None = None) -> None:
    fields: dict = {"status": JobRun.Status.SUCCEEDED, "progress": 100, "finished_at": timezone.now()}
    if counts is not None:
        fields["counts"] = counts
    JobRun.objects.filter(pk=job_run_id, status=JobRun.Status.RUNNING).update(**fields)


def job_fail(*, job_run_id: int, error: str, counts: dict | None = None) -> None:
    fields: dict = {"status": JobRun.Status.FAILED, "error": error[:10000], "finished_at": timezone.now()}
    if counts is not None:
        fields["counts"] = counts
    JobRun.objects.filter(pk=job_run_id).exclude(status=JobRun.Status.SUCCEEDED).update(**fields)


def job_retry(*, job: JobRun) -> bool:
    """Put a failed run back in the queue (same key); True when it was failed."""
    return bool(
        JobRun.objects.filter(pk=job.pk, status=JobRun.Status.FAILED).update(
            status=JobRun.Status.QUEUED, error="", progress=0, finished_at=None, counts=F("counts")
        )
    )
