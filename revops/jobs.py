"""Job tasks: `@job_task` turns "run this service for a JobRun" into a Celery task.

    @job_task(
        kind="attribution.recompute",
        queue=Queue.DEFAULT,  # a user waits for it
        acks_late=True,  # a worker that dies mid-run leaves the message for another
        reject_on_worker_lost=True,
        autoretry_for=TRANSIENT_DATABASE_ERRORS,
        retry_backoff=True,
        max_retries=3,
        expires=60 * 60,  # a recompute still queued after an hour is stale
    )
    def recompute_attribution_task(job: JobRun, progress: JobProgress) -> Counts:
        return attribution_recompute(organization=job.organization, actor=job.started_by).as_counts()

The task is sent as `task.delay(job_run_id=…)`, which `job_enqueue(kind=…)` does after commit:
the decorator registers the task under its kind, so services enqueue by kind and never import a
task module. Every delivery of the message:

- claims the run (QUEUED → RUNNING, one conditional UPDATE); a delivery that finds it claimed
  or finished does nothing, so a message delivered twice has one effect;
- runs the body with the claimed run and a `JobProgress` to hand to the service;
- on success marks the run SUCCEEDED with the counts the body returned;
- on `ValidationError` / `ApplicationError` marks it FAILED with the message, no retry: the
  same input would fail the same way;
- on an error listed in `autoretry_for` (transient: a lock timeout, a lost connection) hands
  the run back (RUNNING → QUEUED) and lets Celery retry with backoff; the retry claims it again;
- on anything else, or when the last retry fails too, marks it FAILED with the error (the
  `on_failure` base does the same for failures outside the body, e.g. a time limit);
- in the embedded mode (no broker: tasks run in process and their errors propagate) a
  transient error fails the run too, as nothing would retry it;
- a message that expires before a worker takes it marks its still-queued run FAILED.

Every Celery option is a required keyword, so each task states (with a comment) why it has
the queue, retries and expiry it has.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from celery import Task
from celery.signals import task_revoked
from django.core.exceptions import ValidationError
from django.db import InterfaceError, OperationalError, connection

from revops.celery import Queue, app
from revops.exceptions import ApplicationError
from revops.models import JobRun
from revops.services.jobs import (
    JobProgress,
    job_claim,
    job_expire,
    job_fail,
    job_kind_register,
    job_release,
    job_succeed,
)

# Worth another attempt: lock and statement timeouts, deadlocks, serialisation failures and
# lost connections (OperationalError), and a connection found closed (InterfaceError).
TRANSIENT_DATABASE_ERRORS: tuple[type[Exception], ...] = (OperationalError, InterfaceError)

Counts = Mapping[str, Any]
JobBody = Callable[[JobRun, JobProgress], Counts | None]


def refusal_message(exc: ValidationError | ApplicationError) -> str:
    """The user-facing text of a refused job: every validation message, one per line."""
    if isinstance(exc, ApplicationError):
        return exc.message
    return "\n".join(exc.messages)


class JobRunTask(Task):
    """Base of every job task: marks the JobRun failed when the task gives up."""

    job_kind: str = ""

    def will_retry(self) -> bool:
        """Whether Celery retries the current delivery after a transient error.

        Not in the embedded mode that runs tasks in process and propagates their errors
        (no broker): there the error reaches the caller and nothing would claim the run again.
        """
        if self.request.is_eager and self.app.conf.task_eager_propagates:
            return False
        return self.max_retries is None or self.request.retries < self.max_retries

    def failure_message(self, exc: BaseException) -> str:
        error = f"{type(exc).__name__}: {exc}"
        if isinstance(exc, tuple(self.autoretry_for)) and self.request.retries:
            error = f"gave up after {self.request.retries} retries: {error}"
        return error

    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:
        # Also reached when the claim itself fails for good, or a time limit stops the task.
        job_run_id = (kwargs or {}).get("job_run_id")
        if job_run_id is not None:
            job_fail(job_run_id=job_run_id, error=self.failure_message(exc))


def _hand_back(job_run_id: int, exc: Exception) -> None:
    """Put the run back in the queue so the retry delivery can claim it."""
    if not connection.in_atomic_block:
        # A lost connection stays broken until closed; the next query then reconnects.
        connection.close_if_unusable_or_obsolete()
    job_release(job_run_id=job_run_id, error=f"retrying after {type(exc).__name__}: {exc}")


def job_task(
    *,
    kind: str,
    queue: Queue,
    acks_late: bool,
    reject_on_worker_lost: bool,
    autoretry_for: tuple[type[Exception], ...],
    retry_backoff: bool | int,
    max_retries: int,
    expires: int,
) -> Callable[[JobBody], JobRunTask]:
    """Declare the task that runs JobRuns of `kind`; the body gets the claimed run and its progress."""

    def decorate(body: JobBody) -> JobRunTask:
        def run(self: JobRunTask, *, job_run_id: int) -> dict[str, Any] | None:
            job = job_claim(job_run_id=job_run_id)
            if job is None:
                return None  # another delivery already ran (or is running) this job
            try:
                counts = body(job, JobProgress(job_run_id=job.pk))
            except (ValidationError, ApplicationError) as exc:
                job_fail(job_run_id=job.pk, error=refusal_message(exc))
                return None
            except autoretry_for as exc:
                if self.will_retry():
                    _hand_back(job.pk, exc)
                else:
                    job_fail(job_run_id=job.pk, error=self.failure_message(exc))
                raise
            except Exception as exc:
                # Failed here rather than only in on_failure, which the in-process mode skips.
                job_fail(job_run_id=job.pk, error=self.failure_message(exc))
                raise
            result = dict(counts) if counts is not None else {}
            job_succeed(job_run_id=job.pk, counts=result)
            return result

        # Named after the body, so the task name stays "<module>.<function>"; not functools.wraps,
        # whose __wrapped__ would make Celery check calls against the body's signature.
        run.__name__, run.__qualname__ = body.__name__, body.__qualname__
        run.__module__, run.__doc__ = body.__module__, body.__doc__
        task = app.task(
            bind=True,
            base=JobRunTask,
            job_kind=kind,
            revops_queue=queue.value,
            acks_late=acks_late,
            reject_on_worker_lost=reject_on_worker_lost,
            autoretry_for=autoretry_for,
            retry_backoff=retry_backoff,
            max_retries=max_retries,
            expires=expires,
        )(run)
        job_kind_register(kind=kind, task=task)
        return task

    return decorate


def periodic_task(
    *,
    queue: Queue,
    acks_late: bool,
    reject_on_worker_lost: bool,
    autoretry_for: tuple[type[Exception], ...],
    retry_backoff: bool | int,
    max_retries: int,
    expires: int,
) -> Callable[[Callable[[], Any]], Task]:
    """Declare a scheduled task (no JobRun, no arguments) with every option spelled out."""

    def decorate(body: Callable[[], Any]) -> Task:
        return app.task(
            revops_queue=queue.value,
            acks_late=acks_late,
            reject_on_worker_lost=reject_on_worker_lost,
            autoretry_for=autoretry_for,
            retry_backoff=retry_backoff,
            max_retries=max_retries,
            expires=expires,
        )(body)

    return decorate


@task_revoked.connect
def fail_expired_job(sender=None, request=None, expired=False, **kwargs) -> None:
    """A job message that expired unstarted leaves its run queued forever: fail it instead."""
    if not expired or not isinstance(sender, JobRunTask) or request is None:
        return
    job_run_id = (request.kwargs or {}).get("job_run_id")
    if job_run_id is not None:
        job_expire(job_run_id=job_run_id, after_seconds=sender.expires)
