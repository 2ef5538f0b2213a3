"""JobRun lifecycle: enqueue once per key, claim once, progress, finish."""

import pytest

from revops.models import JobRun
from revops.services.jobs import job_claim, job_enqueue, job_fail, job_progress, job_succeed

pytestmark = pytest.mark.django_db


class _RecordingTask:
    """Stands in for a Celery task object: records what would leave the process."""

    def __init__(self):
        self.calls = []

    def delay(self, **kwargs):
        self.calls.append(kwargs)


def test_enqueue_twice_with_same_key_queues_once(org, manager, django_capture_on_commit_callbacks):
    task = _RecordingTask()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        first, created1 = job_enqueue(
            organization=org, kind="demo", idempotency_key="k1", task=task, started_by=manager.user
        )
        second, created2 = job_enqueue(
            organization=org, kind="demo", idempotency_key="k1", task=task, started_by=manager.user
        )
    # then
    assert (created1, created2) == (True, False)
    assert first.pk == second.pk
    assert task.calls == [{"job_run_id": first.pk}]
    assert JobRun.objects.filter(organization=org).count() == 1


def test_same_key_in_another_organization_is_another_job(org, other_org):
    a, _ = job_enqueue(organization=org, kind="demo", idempotency_key="k", task=None)
    b, created = job_enqueue(organization=other_org, kind="demo", idempotency_key="k", task=None)
    assert created is True
    assert a.pk != b.pk


def test_claim_only_once_then_progress_and_succeed(org):
    job, _ = job_enqueue(organization=org, kind="demo", idempotency_key="k", task=None)
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


def test_fail_records_error_but_never_overrides_success(org):
    job, _ = job_enqueue(organization=org, kind="demo", idempotency_key="k", task=None)
    job_claim(job_run_id=job.pk)
    job_succeed(job_run_id=job.pk)
    # when
    job_fail(job_run_id=job.pk, error="late failure")
    # then
    job.refresh_from_db()
    assert (job.status, job.error) == ("succeeded", "")


def test_progress_is_clamped(org):
    job, _ = job_enqueue(organization=org, kind="demo", idempotency_key="k", task=None)
    job_claim(job_run_id=job.pk)
    job_progress(job_run_id=job.pk, progress=250)
    job.refresh_from_db()
    assert job.progress == 100
