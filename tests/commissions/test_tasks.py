"""The compute job: one run per month and data version, a failed run of that key runs again."""

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured

from commissions.models import CommissionStatement
from commissions.services.jobs import COMPUTE_KIND, statements_compute_enqueue
from revops.exceptions import ApplicationError
from revops.models import JobRun
from revops.services.jobs import job_kind_task
from tests.commissions.conftest import MAR

pytestmark = pytest.mark.django_db


def test_the_compute_kind_has_its_task():
    assert job_kind_task(kind=COMPUTE_KIND).name == "commissions.tasks.compute_statements_task"
    with pytest.raises(ImproperlyConfigured):
        job_kind_task(kind="commissions.nothing")


def test_a_failed_computation_is_run_again_on_the_next_request(
    org, finance_admin, commission_book, django_capture_on_commit_callbacks
):
    # given: a run of this month and data that failed
    with django_capture_on_commit_callbacks(execute=False):
        job, queued = statements_compute_enqueue(organization=org, actor=finance_admin.user, month=MAR)
    JobRun.objects.filter(pk=job.pk).update(status=JobRun.Status.FAILED, error="lost connection")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        again, requeued = statements_compute_enqueue(organization=org, actor=finance_admin.user, month=MAR)
    # then: the same run, queued again and run to the end
    assert (queued, requeued, again.pk) == (True, True, job.pk)
    job.refresh_from_db()
    assert (job.status, job.error, job.counts["created"]) == (JobRun.Status.SUCCEEDED, "", 2)
    assert CommissionStatement.objects.filter(month=MAR).count() == 2


def test_a_month_is_given_by_its_first_day(org, finance_admin, commission_book):
    # when / then
    with pytest.raises(ApplicationError, match="first day of a month"):
        statements_compute_enqueue(organization=org, actor=finance_admin.user, month=dt.date(2026, 3, 2))
    assert JobRun.objects.count() == 0
