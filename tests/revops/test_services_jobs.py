"""JobRun lifecycle: enqueue once per key by kind, claim once, progress, finish, hand back, retry."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from revops.models import JobRun
from revops.services.jobs import (
    EXPIRED,
    JOB_TASKS,
    UNKNOWN_KIND,
    JobProgress,
    job_claim,
    job_enqueue,
    job_expire,
    job_fail,
    job_kind_register,
    job_kind_task,
    job_progress,
    job_release,
    job_retry,
    job_succeed,
)

pytestmark = pytest.mark.django_db

KIND = "test.recording"


class _RecordingTask:
    """Stands in for a Celery task object: records what would leave the process."""

    def __init__(self, name="tests.recording_task"):
        self.name = name
        self.calls = []

    def delay(self, **kwargs):
        self.calls.append(kwargs)


@pytest.fixture
def task():
    recording = _RecordingTask()
    job_kind_register(kind=KIND, task=recording)
    yield recording
    del JOB_TASKS[KIND]


def test_enqueue_twice_with_same_key_queues_once(org, manager, task, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        first, created1 = job_enqueue(
            organization=org, kind=KIND, idempotency_key="k1", started_by=manager.user
        )
        second, created2 = job_enqueue(
            organization=org, kind=KIND, idempotency_key="k1", started_by=manager.user
        )
    # then
    assert (created1, created2) == (True, False)
    assert first.pk == second.pk
    assert task.calls == [{"job_run_id": first.pk}]
    assert JobRun.objects.filter(organization=org).count() == 1


def test_enqueue_of_a_kind_without_a_task_is_refused_and_writes_nothing(
    org, django_capture_on_commit_callbacks
):
    # when
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ImproperlyConfigured) as excinfo,
    ):
        job_enqueue(organization=org, kind="nobody.runs.this", idempotency_key="k")
    # then
    assert str(excinfo.value) == UNKNOWN_KIND.format(kind="nobody.runs.this")
    assert (JobRun.objects.count(), callbacks) == (0, [])


def test_the_app_tasks_are_registered_by_kind():
    # given: the apps' ready() imported their tasks modules
    # when
    names = {kind: job_kind_task(kind=kind).name for kind in ("opportunity.import", "attribution.recompute")}
    # then
    assert names == {
        "opportunity.import": "revops.tasks.import_opportunities_task",
        "attribution.recompute": "attribution.tasks.recompute_attribution_task",
    }


def test_a_kind_cannot_be_given_to_a_second_task(task):
    # when
    with pytest.raises(ImproperlyConfigured) as excinfo:
        job_kind_register(kind=KIND, task=_RecordingTask(name="tests.another_task"))
    # then
    assert str(excinfo.value) == (
        "Job kind 'test.recording' is already run by tests.recording_task, not tests.another_task."
    )
    assert JOB_TASKS[KIND] is task


def test_same_key_in_another_organization_is_another_job(org, other_org, task):
    a, _ = job_enqueue(organization=org, kind=KIND, idempotency_key="k")
    b, created = job_enqueue(organization=other_org, kind=KIND, idempotency_key="k")
    assert created is True
    assert a.pk != b.pk


def test_claim_only_once_then_progress_and_succeed(org, task):
    job, _ = job_enqueue(organization=org, kind=KIND, idempotency_key="k")
    # when
    claimed = job_claim(job_run_id=job.pk)
    again = job_claim(job_run_id=job.pk)
    job_progress(job_run_id=job.pk, progress=40, counts={"rows": 4})
    job.refresh_from_db()
    mid = (job.status, job.progress, job.counts)
    job_succeed(job_run_id=job.pk, counts={"rows": 10})
    job.refresh_from_db()
    # then
    assert claimed is not None and again is None
    assert mid == ("running", 40, {"rows": 4})
    assert (job.status, job.progress, job.counts) == ("succeeded", 100, {"rows": 10})
    assert job.finished_at is not None


def test_fail_records_error_but_never_overrides_success(org, task):
    job, _ = job_enqueue(organization=org, kind=KIND, idempotency_key="k")
    job_claim(job_run_id=job.pk)
    job_succeed(job_run_id=job.pk)
    # when
    job_fail(job_run_id=job.pk, error="late failure")
    # then
    job.refresh_from_db()
    assert (job.status, job.error) == ("succeeded", "")


def test_progress_is_clamped(org, task):
    job, _ = job_enqueue(organization=org, kind=KIND, idempotency_key="k")
    job_claim(job_run_id=job.pk)
    job_progress(job_run_id=job.pk, progress=250)
    job.refresh_from_db()
    assert job.progress == 100


def test_job_progress_maps_work_onto_its_slice_and_writes_only_when_it_moves(
    org, task, django_assert_num_queries
):
    # given
    job, _ = job_enqueue(organization=org, kind=KIND, idempotency_key="k")
    job_claim(job_run_id=job.pk)
    progress = JobProgress(job_run_id=job.pk)
    # when: 1000 rows in the 50..100 slice move the bar 50 times
    with django_assert_num_queries(51):
        for done in range(1001):
            progress.report(done=done, total=1000, start=50, span=50)
    # then
    job.refresh_from_db()
    assert (job.progress, progress.last) == (100, 100)


def test_job_progress_without_a_run_writes_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        JobProgress(job_run_id=None).report(done=1, total=2)


def test_release_hands_a_running_run_back_with_the_reason(org, task):
    # given
    job, _ = job_enqueue(organization=org, kind=KIND, idempotency_key="k")
    job_claim(job_run_id=job.pk)
    job_progress(job_run_id=job.pk, progress=30)
    # when
    released = job_release(job_run_id=job.pk, error="retrying after OperationalError: lock timeout")
    again = job_release(job_run_id=job.pk, error="twice")
    # then
    job.refresh_from_db()
    assert (released, again) == (True, False)
    assert (job.status, job.progress, job.error) == (
        "queued",
        0,
        "retrying after OperationalError: lock timeout",
    )
    assert job_claim(job_run_id=job.pk) is not None


def test_succeed_after_a_retry_clears_the_retry_note(org, task):
    # given
    job, _ = job_enqueue(organization=org, kind=KIND, idempotency_key="k")
    job_claim(job_run_id=job.pk)
    job_release(job_run_id=job.pk, error="retrying after OperationalError: lock timeout")
    job_claim(job_run_id=job.pk)
    # when
    job_succeed(job_run_id=job.pk, counts={"rows": 1})
    # then
    job.refresh_from_db()
    assert (job.status, job.error, job.counts) == ("succeeded", "", {"rows": 1})


def test_retry_requeues_a_failed_run_and_sends_its_task(org, task, django_capture_on_commit_callbacks):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        job, _ = job_enqueue(organization=org, kind=KIND, idempotency_key="k")
    job_claim(job_run_id=job.pk)
    job_fail(job_run_id=job.pk, error="boom")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        retried = job_retry(job=job)
        retried_again = job_retry(job=job)
    # then
    job.refresh_from_db()
    assert (retried, retried_again) == (True, False)
    assert (job.status, job.error, job.progress, job.started_at, job.finished_at) == (
        "queued",
        "",
        0,
        None,
        None,
    )
    assert task.calls == [{"job_run_id": job.pk}, {"job_run_id": job.pk}]


def test_retry_leaves_a_succeeded_run_alone(org, task, django_capture_on_commit_callbacks):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        job, _ = job_enqueue(organization=org, kind=KIND, idempotency_key="k")
    job_claim(job_run_id=job.pk)
    job_succeed(job_run_id=job.pk, counts={"rows": 2})
    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        retried = job_retry(job=job)
    # then
    job.refresh_from_db()
    assert (retried, callbacks, job.status, job.counts) == (False, [], "succeeded", {"rows": 2})
    assert task.calls == [{"job_run_id": job.pk}]


def test_expire_fails_only_a_run_still_queued(org, task):
    # given
    queued, _ = job_enqueue(organization=org, kind=KIND, idempotency_key="q")
    running, _ = job_enqueue(organization=org, kind=KIND, idempotency_key="r")
    job_claim(job_run_id=running.pk)
    # when
    expired = (
        job_expire(job_run_id=queued.pk, after_seconds=3600),
        job_expire(job_run_id=running.pk, after_seconds=3600),
    )
    # then
    queued.refresh_from_db()
    running.refresh_from_db()
    assert expired == (True, False)
    assert (queued.status, queued.error) == ("failed", EXPIRED.format(seconds=3600))
    assert queued.finished_at is not None
    assert (running.status, running.error) == ("running", "")
