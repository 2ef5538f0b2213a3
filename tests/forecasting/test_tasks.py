"""Training, scoring and snapshots as JobRuns, and the periodic entries that queue them."""

import pytest

from forecasting.models import DealScore, ForecastSnapshot, ModelVersion
from forecasting.services.modelling import (
    SCORE_KIND,
    TRAIN_KIND,
    everywhere_enqueue,
    score_enqueue,
    train_enqueue,
)
from forecasting.tasks import nightly_scoring_task, weekly_snapshot_task
from revops.models import JobRun
from revops.schedule import SCHEDULE

pytestmark = pytest.mark.django_db


def test_training_job_trains_then_queues_scoring(org, small_book, admin, django_capture_on_commit_callbacks):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        job, created = train_enqueue(organization=org, actor=admin.user, key="t1")
    # then
    assert created
    job.refresh_from_db()
    assert job.status == JobRun.Status.SUCCEEDED, job.error
    assert job.counts["model_version"] == 1 and job.counts["promoted"] is True
    score_job = JobRun.objects.get(kind=SCORE_KIND)
    assert score_job.status == JobRun.Status.SUCCEEDED, score_job.error
    assert score_job.counts["scored"] == DealScore.objects.filter(organization=org).count() > 0


def test_the_same_key_runs_once(org, small_book, admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        train_enqueue(organization=org, actor=admin.user, key="t1")
    with django_capture_on_commit_callbacks(execute=True):
        _, created = train_enqueue(organization=org, actor=admin.user, key="t1")
    assert not created
    assert ModelVersion.objects.count() == 1
    assert JobRun.objects.filter(kind=TRAIN_KIND).count() == 1


def test_scoring_without_a_model_fails_the_job_with_the_reason(
    org, small_book, admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job, _ = score_enqueue(organization=org, actor=admin.user, key="s1")
    job.refresh_from_db()
    assert job.status == JobRun.Status.FAILED
    assert "No active win model" in job.error
    assert DealScore.objects.count() == 0


def test_nightly_and_weekly_entries_queue_one_job_per_organization_with_a_model(
    org, other_org, small_book, admin, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        train_enqueue(organization=org, actor=admin.user, key="t1")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        queued = nightly_scoring_task()
    with django_capture_on_commit_callbacks(execute=True):
        snapshots = weekly_snapshot_task()
    # then: other_org has no model and gets nothing; a second night-run queues nothing again
    assert (queued, snapshots) == (1, 1)
    assert ForecastSnapshot.objects.filter(organization=org, kind="weekly").count() == 1
    assert everywhere_enqueue(kind=SCORE_KIND, key_prefix="nightly-score") == 0
    names = {e.name: e.task for e in SCHEDULE}
    assert names["forecasting: nightly scoring"] == "forecasting.tasks.nightly_scoring_task"
    assert names["forecasting: weekly snapshot"] == "forecasting.tasks.weekly_snapshot_task"
