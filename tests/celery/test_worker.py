"""Imports run by a real Celery worker process through Redis: progress, and one effect only."""

import time

import pytest

from revops.models import AuditEvent, JobRun, Opportunity, OpportunityStageChange
from revops.services.imports import opportunity_import_enqueue
from revops.tasks import import_opportunities_task
from tests.revops.factories import AccountFactory, ProductLineFactory
from tests.revops.test_imports import csv_text, row

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

TASK_NAME = "revops.tasks.import_opportunities_task"


@pytest.fixture
def catalog(org, rep):
    AccountFactory(organization=org, name="Initech", external_id="ACC-1")
    ProductLineFactory(organization=org, name="Analytics", code="analytics")


def import_file(rows: int) -> bytes:
    return csv_text([row(external_id=f"OPP-{n}", name=f"Deal {n}") for n in range(1, rows + 1)]).encode()


def wait_until_finished(job: JobRun, timeout: float = 30) -> JobRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.is_finished:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job.pk} still {job.status} at {job.progress}%")


def test_worker_runs_the_import_and_reports_progress(worker, org, manager, catalog):
    # given
    content = import_file(600)

    # when
    job, created = opportunity_import_enqueue(organization=org, content=content, acting_user=manager.user)

    # then
    assert created is True
    job = wait_until_finished(job)
    assert (job.status, job.progress, job.counts, job.error) == (
        JobRun.Status.SUCCEEDED,
        100,
        {"created": 600, "updated": 0, "unchanged": 0},
        "",
    )
    assert job.started_at is not None and job.finished_at is not None
    assert Opportunity.objects.filter(organization=org).count() == 600
    assert OpportunityStageChange.objects.filter(organization=org).count() == 600
    log = worker.wait_for_log(f"Task {TASK_NAME}[", "succeeded in")
    assert "{'created': 600, 'updated': 0, 'unchanged': 0}" in log


def test_worker_runs_a_job_once_however_often_it_is_queued(worker, org, manager, catalog):
    # given
    content = import_file(3)
    job, _ = opportunity_import_enqueue(organization=org, content=content, acting_user=manager.user)

    # when
    again, created_again = opportunity_import_enqueue(
        organization=org, content=content, acting_user=manager.user
    )
    first_extra = import_opportunities_task.delay(job_run_id=job.pk)
    second_extra = import_opportunities_task.delay(job_run_id=job.pk)

    # then
    assert (again.pk, created_again) == (job.pk, False)
    log = worker.wait_for_log(
        f"{TASK_NAME}[{first_extra.id}] succeeded in", f"{TASK_NAME}[{second_extra.id}] succeeded in"
    )
    job = wait_until_finished(job)
    assert (job.status, job.counts) == (JobRun.Status.SUCCEEDED, {"created": 3, "updated": 0, "unchanged": 0})
    assert JobRun.objects.filter(organization=org).count() == 1
    assert Opportunity.objects.filter(organization=org).count() == 3
    assert OpportunityStageChange.objects.filter(organization=org).count() == 3
    assert AuditEvent.objects.filter(organization=org, action="opportunity.import").count() == 1
    assert log.count(f"{TASK_NAME}[") >= 3 * 2  # received + succeeded, for each of the three deliveries


def test_worker_fails_a_bad_file_with_its_row_errors(worker, org, manager, catalog):
    # given
    content = csv_text([row(), row(external_id="OPP-2", amount="-1")]).encode()

    # when
    job, _ = opportunity_import_enqueue(organization=org, content=content, acting_user=manager.user)

    # then
    job = wait_until_finished(job)
    assert (job.status, job.error) == (JobRun.Status.FAILED, "line 3, amount: must not be negative")
    assert Opportunity.objects.filter(organization=org).count() == 0
    assert OpportunityStageChange.objects.filter(organization=org).count() == 0
