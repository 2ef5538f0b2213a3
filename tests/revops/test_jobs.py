"""The @job_task wrapper, run eagerly: claim once, hand back and retry, refuse, give up, progress."""

import pytest
from celery.exceptions import Retry
from celery.signals import task_retry
from celery.utils.threads import LocalStack
from django.core.exceptions import ValidationError
from django.db import OperationalError

from revops.celery import Queue, app
from revops.exceptions import ApplicationError
from revops.jobs import TRANSIENT_DATABASE_ERRORS, JobRunTask, fail_expired_job, job_task
from revops.models import JobRun
from revops.services.jobs import EXPIRED, JOB_TASKS, job_enqueue

pytestmark = pytest.mark.django_db

# What the test bodies do on each call, in order ("ok", or an exception to raise), and what
# they saw: (attempt, status and error of their run when the body started).
SCRIPT: list[object] = []
SEEN: list[tuple[str, str]] = []


def _scripted(job: JobRun, progress) -> dict[str, int]:
    job.refresh_from_db()
    SEEN.append((job.status, job.error))
    step = SCRIPT.pop(0)
    if isinstance(step, BaseException):
        raise step
    progress.report(done=1, total=4)
    return {"rows": len(SEEN)}


@job_task(
    kind="test.jobs.scripted",
    queue=Queue.DEFAULT,
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=TRANSIENT_DATABASE_ERRORS,
    retry_backoff=True,
    max_retries=2,
    expires=60,
)
def scripted_task(job: JobRun, progress) -> dict[str, int]:
    return _scripted(job, progress)


@pytest.fixture(autouse=True)
def script():
    SCRIPT.clear()
    SEEN.clear()
    yield SCRIPT
    SCRIPT.clear()
    SEEN.clear()


@pytest.fixture
def retries_seen():
    """Status and error of the run each time Celery schedules a retry (task_retry signal)."""
    seen = []

    def record(sender=None, request=None, **kwargs):
        job = JobRun.objects.get(pk=request.kwargs["job_run_id"])
        seen.append((job.status, job.error))

    task_retry.connect(record, weak=False)
    yield seen
    task_retry.disconnect(record)


@pytest.fixture
def worker_mode():
    """Run tasks in process like a worker does: errors stay in the result, retries happen."""
    app.conf.task_eager_propagates = False
    yield
    app.conf.task_eager_propagates = True


def enqueue(org, key="k") -> JobRun:
    job, created = job_enqueue(organization=org, kind="test.jobs.scripted", idempotency_key=key)
    assert created is True
    return job


def test_the_decorator_registers_the_task_under_its_kind_with_its_options():
    # then
    task = JOB_TASKS["test.jobs.scripted"]
    assert task is scripted_task
    assert isinstance(task, JobRunTask)
    assert (task.name, task.job_kind, task.revops_queue) == (
        "tests.revops.test_jobs.scripted_task",
        "test.jobs.scripted",
        "default",
    )
    assert (task.acks_late, task.reject_on_worker_lost, task.autoretry_for) == (
        True,
        True,
        TRANSIENT_DATABASE_ERRORS,
    )
    assert (task.retry_backoff, task.max_retries, task.expires) == (True, 2, 60)


def test_success_records_counts_and_progress(org, script):
    # given
    job = enqueue(org)
    script.append("ok")
    # when
    result = scripted_task.delay(job_run_id=job.pk).get()
    # then
    job.refresh_from_db()
    assert result == {"rows": 1}
    assert (job.status, job.progress, job.counts, job.error) == ("succeeded", 100, {"rows": 1}, "")
    assert job.started_at is not None and job.finished_at is not None
    assert SEEN == [("running", "")]


def test_a_second_delivery_of_a_claimed_job_does_nothing(org, script):
    # given
    job = enqueue(org)
    script.extend(["ok", "ok"])
    scripted_task.delay(job_run_id=job.pk).get()
    # when
    again = scripted_task.delay(job_run_id=job.pk).get()
    # then
    job.refresh_from_db()
    assert again is None
    assert SEEN == [("running", "")]
    assert script == ["ok"]
    assert (job.status, job.counts) == ("succeeded", {"rows": 1})


def test_a_delivery_of_a_job_another_worker_runs_does_nothing(org, script):
    # given: another worker has claimed the run
    job = enqueue(org)
    JobRun.objects.filter(pk=job.pk).update(status=JobRun.Status.RUNNING)
    script.append("ok")
    # when
    result = scripted_task.delay(job_run_id=job.pk).get()
    # then
    job.refresh_from_db()
    assert (result, SEEN, job.status, job.counts) == (None, [], "running", {})


def test_a_transient_error_hands_the_run_back_and_the_retry_claims_it(org, script, retries_seen, worker_mode):
    # given: the first attempt hits a lock timeout, the second goes through
    job = enqueue(org)
    script.extend([OperationalError("lock timeout"), "ok"])
    # when
    result = scripted_task.delay(job_run_id=job.pk).get()
    # then: handed back to the queue before the retry, claimed again by it, succeeded
    job.refresh_from_db()
    assert retries_seen == [("queued", "retrying after OperationalError: lock timeout")]
    assert SEEN == [("running", ""), ("running", "retrying after OperationalError: lock timeout")]
    assert result == {"rows": 2}
    assert (job.status, job.progress, job.counts, job.error) == ("succeeded", 100, {"rows": 2}, "")


@pytest.mark.parametrize(
    ("_case", "error", "message"),
    [
        (
            "validation",
            ValidationError(["line 2, amount: bad", "line 3, date: worse"]),
            "line 2, amount: bad\nline 3, date: worse",
        ),
        ("application", ApplicationError("Period 2026-01 is closed."), "Period 2026-01 is closed."),
    ],
)
def test_a_refusal_fails_the_run_with_its_message_and_is_not_retried(
    _case, error, message, org, script, retries_seen
):
    # given
    job = enqueue(org)
    script.extend([error, "ok"])
    # when
    result = scripted_task.delay(job_run_id=job.pk).get()
    # then
    job.refresh_from_db()
    assert (result, retries_seen, SEEN, script) == (None, [], [("running", "")], ["ok"])
    assert (job.status, job.error, job.counts) == ("failed", message, {})
    assert job.finished_at is not None


def test_when_the_retries_run_out_the_run_fails(org, script, retries_seen, worker_mode):
    # given: every attempt times out (max_retries=2: three attempts)
    job = enqueue(org)
    script.extend([OperationalError("lock timeout") for _ in range(3)] + ["ok"])
    # when
    result = scripted_task.delay(job_run_id=job.pk)
    # then
    with pytest.raises(OperationalError):
        result.get()
    # then
    job.refresh_from_db()
    assert len(SEEN) == 3
    assert script == ["ok"]
    assert retries_seen == [("queued", "retrying after OperationalError: lock timeout")] * 2
    assert (job.status, job.error, job.counts) == (
        "failed",
        "gave up after 2 retries: OperationalError: lock timeout",
        {},
    )
    assert job.finished_at is not None


def test_in_process_without_a_broker_a_transient_error_fails_the_run(org, script, retries_seen):
    # given: the embedded mode, where the error reaches the caller and nothing retries
    job = enqueue(org)
    script.extend([OperationalError("lock timeout"), "ok"])
    # when: Celery's in-process retry raises instead of running again
    with pytest.raises(Retry):
        scripted_task.delay(job_run_id=job.pk)
    # then: failed, not left queued or running for good
    job.refresh_from_db()
    assert (retries_seen, SEEN, script) == ([], [("running", "")], ["ok"])
    assert (job.status, job.error) == ("failed", "OperationalError: lock timeout")


@pytest.mark.parametrize("_case", ["in-process", "worker"])
def test_an_unexpected_error_fails_the_run_at_once(_case, request, org, script, retries_seen):
    # given
    job = enqueue(org)
    script.extend([KeyError("account"), "ok"])
    if _case == "worker":
        request.getfixturevalue("worker_mode")
    # when
    with pytest.raises(KeyError):
        scripted_task.delay(job_run_id=job.pk).get()
    # then
    job.refresh_from_db()
    assert (retries_seen, SEEN, script) == ([], [("running", "")], ["ok"])
    assert (job.status, job.error) == ("failed", "KeyError: 'account'")


def test_an_expired_message_fails_its_queued_run(org):
    # given: the worker drops the message because it expired before anyone took it
    job = enqueue(org)
    request = LocalStack()
    request.push(type("Request", (), {"kwargs": {"job_run_id": job.pk}})())
    # when
    fail_expired_job(sender=scripted_task, request=request.top, expired=True)
    # then
    job.refresh_from_db()
    assert (job.status, job.error) == ("failed", EXPIRED.format(seconds=60))


@pytest.mark.parametrize(
    "kind",
    ["opportunity.import", "attribution.recompute"],
    ids=["opportunity-import", "attribution-recompute"],
)
def test_every_app_job_task_survives_a_worker_loss_and_retries_transient_errors(kind):
    # then: what the hand-written attribution task lacked (reject_on_worker_lost, the hand-back base)
    task = JOB_TASKS[kind]
    assert isinstance(task, JobRunTask)
    assert (task.acks_late, task.reject_on_worker_lost, task.autoretry_for) == (
        True,
        True,
        TRANSIENT_DATABASE_ERRORS,
    )
    assert (task.retry_backoff, task.max_retries, task.expires, task.revops_queue) == (
        True,
        3,
        3600,
        "default",
    )
