"""JobRun lifecycle: enqueue once per key, claim, report progress, finish, fail or hand back.

Tasks may run twice (acks_late, worker loss, a double click): the unique
(organization, idempotency_key) row makes enqueueing idempotent, and the conditional
QUEUED → RUNNING update makes sure only one worker does the work.

Which task runs a kind of job is looked up in `JOB_TASKS`, filled by `revops.jobs.job_task`
when an app's `tasks.py` is imported (each AppConfig.ready imports its own). Services enqueue
by kind and never import a task module.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.utils import timezone

from revops.models import JobRun, Organization

UNKNOWN_KIND = "No job task is registered for kind {kind!r}: does its app import its tasks in ready()?"


class Enqueueable(Protocol):
    """What a job kind's task must offer: Celery's `delay`."""

    name: str

    def delay(self, *args: Any, **kwargs: Any) -> Any: ...


# kind → the task that runs it; one task per kind.
JOB_TASKS: dict[str, Enqueueable] = {}


def job_kind_register(*, kind: str, task: Enqueueable) -> None:
    """Name the task that runs JobRuns of `kind`; registering the same task again is a no-op."""
    registered = JOB_TASKS.get(kind)
    if registered is not None and registered.name != task.name:
        raise ImproperlyConfigured(f"Job kind {kind!r} is already run by {registered.name}, not {task.name}.")
    JOB_TASKS[kind] = task


def job_kind_task(*, kind: str) -> Enqueueable:
    try:
        return JOB_TASKS[kind]
    except KeyError:
        raise ImproperlyConfigured(UNKNOWN_KIND.format(kind=kind)) from None


def job_enqueue(
    *,
    organization: Organization,
    kind: str,
    idempotency_key: str,
    params: dict | None = None,
    started_by=None,
) -> tuple[JobRun, bool]:
    """Record a JobRun and queue its kind's task after commit; (job, created).

    A second call with the same key returns the existing run and queues nothing. A kind
    without a registered task is refused before anything is written.
    """
    task = job_kind_task(kind=kind)
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
    transaction.on_commit(lambda: task.delay(job_run_id=job.pk))
    return job, True


def job_claim(*, job_run_id: int) -> JobRun | None:
    """Move a queued run to running; None when another worker already has (or had) it."""
    claimed = JobRun.objects.filter(pk=job_run_id, status=JobRun.Status.QUEUED).update(
        status=JobRun.Status.RUNNING, started_at=timezone.now(), progress=0
    )
    if claimed != 1:
        return None
    return JobRun.objects.select_related("organization", "started_by").get(pk=job_run_id)


def job_progress(*, job_run_id: int, progress: int, counts: dict | None = None) -> None:
    """Report progress 0–100 (and counts so far) while running."""
    fields: dict = {"progress": max(0, min(100, int(progress)))}
    if counts is not None:
        fields["counts"] = counts
    JobRun.objects.filter(pk=job_run_id, status=JobRun.Status.RUNNING).update(**fields)


@dataclass
class JobProgress:
    """A running job's progress, handed to the service doing the work.

    `report(done=, total=)` maps the service's own units onto 0–100 (or onto the slice
    `start`..`start + span` when the work has phases) and writes only when the percentage
    moves, so a loop may call it per row.
    """

    job_run_id: int | None
    last: int = -1

    def report(self, *, done: int, total: int, start: int = 0, span: int = 100, counts=None) -> None:
        if self.job_run_id is None:
            return
        percent = start + (span * done // total if total else span)
        if percent == self.last and counts is None:
            return
        self.last = percent
        job_progress(job_run_id=self.job_run_id, progress=percent, counts=counts)


def job_succeed(*, job_run_id: int, counts: Mapping[str, Any] | None = None) -> None:
    fields: dict = {
        "status": JobRun.Status.SUCCEEDED,
        "progress": 100,
        "error": "",
        "finished_at": timezone.now(),
    }
    if counts is not None:
        fields["counts"] = dict(counts)
    JobRun.objects.filter(pk=job_run_id, status=JobRun.Status.RUNNING).update(**fields)


def job_fail(*, job_run_id: int, error: str, counts: dict | None = None) -> None:
    fields: dict = {"status": JobRun.Status.FAILED, "error": error[:10000], "finished_at": timezone.now()}
    if counts is not None:
        fields["counts"] = counts
    JobRun.objects.filter(pk=job_run_id).exclude(status=JobRun.Status.SUCCEEDED).update(**fields)


def job_release(*, job_run_id: int, error: str) -> bool:
    """Hand a running run back to the queue after a transient error, so a retry can claim it.

    The error stays visible while the run waits ("retrying after …"); True when it was running.
    """
    return bool(
        JobRun.objects.filter(pk=job_run_id, status=JobRun.Status.RUNNING).update(
            status=JobRun.Status.QUEUED, error=error[:10000], progress=0
        )
    )


EXPIRED = "Not started within {seconds} seconds (no worker took it); run it again."


def job_expire(*, job_run_id: int, after_seconds: int | None) -> bool:
    """Fail a run whose message expired before any worker started it; True when it was queued."""
    return bool(
        JobRun.objects.filter(pk=job_run_id, status=JobRun.Status.QUEUED).update(
            status=JobRun.Status.FAILED,
            error=EXPIRED.format(seconds=after_seconds),
            finished_at=timezone.now(),
        )
    )


def job_retry(*, job: JobRun) -> bool:
    """Run a failed run again (same key, same params): queued, and its task sent after commit.

    True when it was failed; a run that is queued, running or succeeded is left alone.
    """
    task = job_kind_task(kind=job.kind)
    requeued = JobRun.objects.filter(pk=job.pk, status=JobRun.Status.FAILED).update(
        status=JobRun.Status.QUEUED, error="", progress=0, started_at=None, finished_at=None
    )
    if requeued:
        transaction.on_commit(lambda: task.delay(job_run_id=job.pk))
    return bool(requeued)
