"""The import task and upload page, with tasks run eagerly in process."""

import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from revops.celery import app
from revops.models import AuditEvent, FiscalPeriod, JobRun, Opportunity, OpportunityStageChange
from revops.services.imports import opportunity_import_enqueue
from revops.tasks import ensure_fiscal_periods_task, import_opportunities_task
from tests.revops.factories import AccountFactory, ProductLineFactory
from tests.revops.test_imports import csv_text, row


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def catalog(org):
    AccountFactory(organization=org, name="Initech", external_id="ACC-1")
    ProductLineFactory(organization=org, name="Analytics", code="analytics")


def good_file(rep) -> bytes:
    return csv_text([row(), row(external_id="OPP-2", stage="closed_won", close_date="2026-03-01")]).encode()


def test_enqueue_runs_the_import_and_records_the_job(
    org, manager, rep, catalog, media_root, django_capture_on_commit_callbacks
):
    # given
    content = good_file(rep)

    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job, created = opportunity_import_enqueue(organization=org, content=content, acting_user=manager.user)

    # then
    assert created is True
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert (job.kind, job.status, job.progress, job.counts, job.error) == (
        "opportunity.import",
        JobRun.Status.SUCCEEDED,
        100,
        {"created": 2, "updated": 0, "unchanged": 0},
        "",
    )
    assert job.idempotency_key == f"opportunity.import:{hashlib.sha256(content).hexdigest()}"
    assert job.params["file"].startswith("imports/") and job.params["file"].endswith(".csv")
    assert (media_root / job.params["file"]).read_bytes() == content
    assert set(Opportunity.objects.filter(organization=org).values_list("external_id", flat=True)) == {
        "OPP-1",
        "OPP-2",
    }


def test_enqueue_of_the_same_file_twice_is_one_job(
    org, manager, rep, catalog, media_root, django_capture_on_commit_callbacks
):
    # given
    content = good_file(rep)
    with django_capture_on_commit_callbacks(execute=True):
        first, _ = opportunity_import_enqueue(organization=org, content=content, acting_user=manager.user)

    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        second, created = opportunity_import_enqueue(
            organization=org, content=content, acting_user=manager.user
        )

    # then
    assert (second.pk, created, callbacks) == (first.pk, False, [])
    assert JobRun.objects.count() == 1
    assert Opportunity.objects.count() == 2
    assert OpportunityStageChange.objects.count() == 2
    assert len(list((media_root / "imports").iterdir())) == 1


def test_task_delivered_twice_has_one_effect(org, manager, rep, catalog, django_capture_on_commit_callbacks):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        job, _ = opportunity_import_enqueue(
            organization=org, content=good_file(rep), acting_user=manager.user
        )

    # when
    result = import_opportunities_task.delay(job_run_id=job.pk).get()

    # then
    assert result is None
    job.refresh_from_db()
    assert (job.status, job.counts) == (JobRun.Status.SUCCEEDED, {"created": 2, "updated": 0, "unchanged": 0})
    assert Opportunity.objects.count() == 2
    assert OpportunityStageChange.objects.count() == 2


def test_task_with_bad_rows_fails_the_job_with_the_errors_and_writes_nothing(
    org, manager, rep, catalog, django_capture_on_commit_callbacks
):
    # given
    content = csv_text([row(amount="-3"), row(external_id="OPP-2", account_external_id="NOPE")]).encode()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        job, _ = opportunity_import_enqueue(organization=org, content=content, acting_user=manager.user)

    # then
    job.refresh_from_db()
    assert (job.status, job.error, job.counts) == (
        JobRun.Status.FAILED,
        "line 2, amount: must not be negative\n"
        "line 3, account_external_id: no account with external id 'NOPE'",
        {},
    )
    assert Opportunity.objects.count() == 0
    assert OpportunityStageChange.objects.count() == 0
    assert AuditEvent.objects.filter(action="opportunity.import").count() == 0


def test_enqueue_refuses_a_file_that_is_not_utf8(org, manager, django_capture_on_commit_callbacks):
    # given
    content = "external_id,name\nOPP-1,Café\n".encode("latin-1")

    # when
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ValidationError) as excinfo,
    ):
        opportunity_import_enqueue(organization=org, content=content, acting_user=manager.user)

    # then
    assert excinfo.value.messages == ["The file is not UTF-8 text."]
    assert (JobRun.objects.count(), callbacks) == (0, [])


@pytest.mark.parametrize("_case", ["manager", "admin"])
def test_import_page_queues_the_upload_and_shows_the_jobs_page(
    _case, request, org, rep, catalog, client_for, django_capture_on_commit_callbacks
):
    # given
    member = request.getfixturevalue(_case)
    client = client_for(member)
    upload = SimpleUploadedFile("deals.csv", good_file(rep), content_type="text/csv")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("revops:opportunity-import"), {"file": upload})

    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("revops:job-list")
    job = JobRun.objects.get()
    assert (job.organization, job.started_by, job.status) == (org, member.user, JobRun.Status.SUCCEEDED)
    assert Opportunity.objects.filter(organization=org).count() == 2


def test_import_page_shows_the_form(org, manager, client_for):
    # given
    client = client_for(manager)

    # when
    response = client.get(reverse("revops:opportunity-import"))

    # then
    assert response.status_code == 200
    assert b'name="file"' in response.content
    assert b"account_external_id" in response.content


@pytest.mark.parametrize("_case", ["rep", "finance_admin", "partner_user"])
def test_import_page_refuses_roles_without_the_import_capability(_case, request, org, catalog, client_for):
    # given
    member = request.getfixturevalue(_case)
    client = client_for(member)
    upload = SimpleUploadedFile("deals.csv", b"external_id\n", content_type="text/csv")

    # when
    get_response = client.get(reverse("revops:opportunity-import"))
    post_response = client.post(reverse("revops:opportunity-import"), {"file": upload})

    # then
    assert (get_response.status_code, post_response.status_code) == (403, 403)
    assert JobRun.objects.count() == 0
    assert Opportunity.objects.count() == 0


def test_import_page_sends_anonymous_users_to_login(db, client):
    # when
    response = client.get(reverse("revops:opportunity-import"))

    # then
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={reverse('revops:opportunity-import')}"


def test_ensure_fiscal_periods_task_creates_a_year_ahead_once(org, other_org):
    # given: no periods yet
    # when
    first = ensure_fiscal_periods_task.apply().get()
    second = ensure_fiscal_periods_task.apply().get()
    # then: this month plus 12 ahead for each org, nothing the second time
    assert first == {"acme": 13, "globex": 13}
    assert second == {"acme": 0, "globex": 0}
    assert FiscalPeriod.objects.filter(organization=org).count() == 13


def test_tasks_are_routed_to_their_declared_queue():
    # given
    router = app.amqp.router
    # when / then
    assert (
        router.route({}, ensure_fiscal_periods_task.name, task_type=ensure_fiscal_periods_task)["queue"].name
        == "bulk"
    )
    assert (
        router.route({}, import_opportunities_task.name, task_type=import_opportunities_task)["queue"].name
        == "default"
    )
