"""The import task and upload page, with tasks run eagerly in process."""

import hashlib
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from revops.celery import app
from revops.imports.profiles import ProfileSpec
from revops.models import AuditEvent, FiscalPeriod, JobRun, Opportunity, OpportunityStageChange
from revops.services.imports import Mode, import_submit
from revops.tasks import ensure_fiscal_periods_task, run_import_task
from tests.revops.factories import AccountFactory, ProductLineFactory
from tests.revops.test_imports import csv_text, row


def enqueue(org, user, content: bytes):
    return import_submit(
        organization=org,
        actor=user,
        kind_name="opportunities",
        content=content,
        mode=Mode.APPLY,
    )


SPEC_JSON = json.dumps(ProfileSpec().model_dump(mode="json"), sort_keys=True).encode()


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
        job, created = enqueue(org, manager.user, content)

    # then
    assert created is True
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert (job.kind, job.status, job.progress, job.counts, job.error) == (
        "import.opportunities",
        JobRun.Status.SUCCEEDED,
        100,
        {"rows": 2, "create": 2, "update": 0, "unchanged": 0, "total_amount": "25001.00"},
        "",
    )
    assert (
        job.idempotency_key == f"import:opportunities:apply:{hashlib.sha256(content + SPEC_JSON).hexdigest()}"
    )
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
        first, _ = enqueue(org, manager.user, content)

    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        second, created = enqueue(org, manager.user, content)

    # then
    assert (second.pk, created, callbacks) == (first.pk, False, [])
    assert JobRun.objects.count() == 1
    assert Opportunity.objects.count() == 2
    assert OpportunityStageChange.objects.count() == 2
    assert len(list((media_root / "imports").iterdir())) == 1


def test_task_delivered_twice_has_one_effect(org, manager, rep, catalog, django_capture_on_commit_callbacks):
    # given
    with django_capture_on_commit_callbacks(execute=True):
        job, _ = enqueue(org, manager.user, good_file(rep))

    # when
    result = run_import_task.delay(job_run_id=job.pk).get()

    # then
    assert result is None
    job.refresh_from_db()
    assert (job.status, job.counts) == (
        JobRun.Status.SUCCEEDED,
        {"rows": 2, "create": 2, "update": 0, "unchanged": 0, "total_amount": "25001.00"},
    )
    assert Opportunity.objects.count() == 2
    assert OpportunityStageChange.objects.count() == 2


def test_task_with_bad_rows_fails_the_job_with_the_errors_and_writes_nothing(
    org, manager, rep, catalog, django_capture_on_commit_callbacks
):
    # given
    content = csv_text([row(amount="-3"), row(external_id="OPP-2", account_external_id="NOPE")]).encode()

    # when
    with django_capture_on_commit_callbacks(execute=True):
        job, _ = enqueue(org, manager.user, content)

    # then
    job.refresh_from_db()
    assert (job.status, job.error, job.counts) == (
        JobRun.Status.FAILED,
        "line 2, amount: must not be negative\n"
        "line 3, account_external_id: no account with external id 'NOPE'",
        {"errors": 2},
    )
    assert Opportunity.objects.count() == 0
    assert OpportunityStageChange.objects.count() == 0
    assert AuditEvent.objects.filter(action="opportunity.import").count() == 0


def test_a_file_that_is_not_utf8_fails_its_job_with_a_message(
    org, manager, django_capture_on_commit_callbacks
):
    # given
    content = "external_id,name\nOPP-1,Café\n".encode("latin-1")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        job, _ = enqueue(org, manager.user, content)

    # then
    job.refresh_from_db()
    assert (job.status, job.error) == (
        JobRun.Status.FAILED,
        "line 2: the file is not utf-8 text (byte 0xe9 at offset 26); choose a profile with the file's "
        "encoding (for example latin-1 or utf-16).",
    )
    assert Opportunity.objects.count() == 0


@pytest.mark.parametrize("_case", ["manager", "admin"])
def test_import_page_previews_the_upload_then_confirm_writes_it(
    _case, request, org, rep, catalog, client_for, django_capture_on_commit_callbacks
):
    # given
    member = request.getfixturevalue(_case)
    client = client_for(member)
    upload = SimpleUploadedFile("deals.csv", good_file(rep), content_type="text/csv")

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("revops:opportunity-import"), {"file": upload})

    # then: the preview ran, nothing is written before the confirmation
    job = JobRun.objects.get()
    assert (response.status_code, response["Location"]) == (302, reverse("revops:import-job", args=[job.pk]))
    assert (job.organization, job.started_by, job.status) == (org, member.user, JobRun.Status.SUCCEEDED)
    assert Opportunity.objects.filter(organization=org).count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(reverse("revops:import-confirm", args=[job.pk]))
    applied = JobRun.objects.exclude(pk=job.pk).get()
    assert (confirmed.status_code, confirmed["Location"]) == (
        302,
        reverse("revops:import-job", args=[applied.pk]),
    )
    assert (applied.status, applied.params["mode"]) == (JobRun.Status.SUCCEEDED, "apply")
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

    # then: refused (a partner user does not even find the page)
    refused = 404 if _case == "partner_user" else 403
    assert (get_response.status_code, post_response.status_code) == (refused, refused)
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
    assert router.route({}, run_import_task.name, task_type=run_import_task)["queue"].name == "default"
