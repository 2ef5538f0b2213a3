"""The import page: upload → preview (counts, totals, rows, row errors) → confirm → job progress."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from rest_framework.test import APIClient

from revops.models import JobRun, Opportunity
from revops.services.imports import Mode, import_submit
from tests.revops.test_imports import csv_text, row


def upload(client, content: bytes, capture):
    with capture(execute=True):
        response = client.post(
            reverse("revops:opportunity-import"), {"file": SimpleUploadedFile("deals.csv", content)}
        )
    return JobRun.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


def test_preview_page_shows_counts_totals_rows_and_a_confirm_button(
    org, manager, catalog, client_for, django_capture_on_commit_callbacks
):
    # given
    client = client_for(manager)
    job = upload(
        client,
        csv_text([row(), row(external_id="OPP-2", amount="1,000.25")]).encode(),
        django_capture_on_commit_callbacks,
    )
    # when
    page = client.get(reverse("revops:import-job", args=[job.pk]))
    fragment = client.get(reverse("revops:import-job", args=[job.pk]), HTTP_HX_REQUEST="true")
    # then
    html = page.content.decode()
    assert page.status_code == 200
    assert "<dt>Will be created</dt><dd>2</dd>" in html
    assert "<dt>Total amount</dt><dd>13500.75</dd>" in html
    assert "<td>OPP-2</td>" in html
    assert reverse("revops:import-confirm", args=[job.pk]) in html
    assert (
        fragment.content.decode().lstrip().startswith(f'<section class="card stack" id="import-job-{job.pk}"')
    )
    assert "<html" not in fragment.content.decode() and "Will be created" in fragment.content.decode()
    assert Opportunity.objects.count() == 0


def test_preview_page_with_row_errors_lists_them_and_offers_no_confirm(
    org, manager, catalog, client_for, django_capture_on_commit_callbacks
):
    # given
    client = client_for(manager)
    job = upload(
        client,
        csv_text([row(), row(external_id="OPP-2", amount="1,5")]).encode(),
        django_capture_on_commit_callbacks,
    )
    # when
    page = client.get(reverse("revops:import-job", args=[job.pk]))
    confirm = client.post(reverse("revops:import-confirm", args=[job.pk]))
    # then
    html = page.content.decode()
    assert "<li>line 3, amount: &#x27;1,5&#x27; is not a number in the format 1,234.56</li>" in html
    assert "<dt>Rows with errors</dt><dd>1</dd>" in html
    assert reverse("revops:import-confirm", args=[job.pk]) not in html
    assert (confirm.status_code, confirm["Location"]) == (302, reverse("revops:import-job", args=[job.pk]))
    assert (JobRun.objects.count(), Opportunity.objects.count()) == (1, 0)


def test_a_running_import_polls_itself(org, manager, catalog, client_for):
    # given: a run still queued (no worker yet)
    job, _ = import_submit(organization=org, actor=manager.user, kind_name="opportunities", content=b"x")
    # when
    page = client_for(manager).get(reverse("revops:import-job", args=[job.pk]))
    # then
    assert f'hx-get="{reverse("revops:import-job", args=[job.pk])}"' in page.content.decode()


def test_confirming_twice_writes_once(org, manager, catalog, client_for, django_capture_on_commit_callbacks):
    # given
    client = client_for(manager)
    job = upload(client, csv_text([row()]).encode(), django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(reverse("revops:import-confirm", args=[job.pk]))
    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        second = client.post(reverse("revops:import-confirm", args=[job.pk]))
    # then
    assert first["Location"] == second["Location"]
    assert (len(callbacks), JobRun.objects.filter(params__mode=Mode.APPLY).count()) == (0, 1)
    assert Opportunity.objects.get().amount == Decimal("12500.50")


def test_import_pages_of_another_organization_answer_404(org, other_org_admin, manager, catalog, client_for):
    # given
    job, _ = import_submit(organization=org, actor=manager.user, kind_name="opportunities", content=b"x")
    client = client_for(other_org_admin)
    api = APIClient()
    api.force_login(other_org_admin.user)
    # when
    page = client.get(reverse("revops:import-job", args=[job.pk]))
    confirm = client.post(reverse("revops:import-confirm", args=[job.pk]))
    api_job = api.get(reverse("import-job", args=[job.pk]))
    # then
    assert (page.status_code, confirm.status_code, api_job.status_code) == (404, 404, 404)


@pytest.mark.parametrize(
    ("_case", "kind", "status"), [("unknown_kind", "invoices", 404), ("no_capability", "opportunities", 403)]
)
def test_import_api_refuses_unknown_kinds_and_members_without_the_capability(
    _case, kind, status, org, finance_admin, catalog
):
    # given
    api = APIClient()
    api.force_login(finance_admin.user)
    upload = io.BytesIO(csv_text([row()]).encode())
    upload.name = "d.csv"
    # when
    response = api.post(
        reverse("import-create", kwargs={"kind_name": kind}), {"file": upload}, format="multipart"
    )
    # then
    assert response.status_code == status
    assert (JobRun.objects.count(), Opportunity.objects.count()) == (0, 0)
