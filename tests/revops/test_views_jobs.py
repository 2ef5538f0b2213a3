"""Core pages: background job runs and their progress."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from revops.models import JobRun
from tests.revops.factories import JobRunFactory

pytestmark = pytest.mark.django_db


def test_job_list_shows_only_the_organizations_runs(org, other_org, manager, client_for):
    # given
    mine = JobRunFactory(organization=org, kind="attribution.recalculate")
    JobRunFactory(organization=other_org, kind="foreign.job")
    # when
    response = client_for(manager).get(reverse("revops:job-list"))
    # then
    assert response.status_code == 200
    assert list(response.context["page_obj"]) == [mine]
    assert "foreign.job" not in response.content.decode()


def test_rep_is_refused_jobs(rep, client_for):
    # when
    response = client_for(rep).get(reverse("revops:job-list"))
    # then
    assert response.status_code == 403


def test_running_job_progress_polls_itself(org, manager, client_for):
    # given
    job = JobRunFactory(organization=org, status=JobRun.Status.RUNNING, progress=40)
    # when
    response = client_for(manager).get(reverse("revops:job-progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    # then
    html = response.content.decode()
    assert [t.name for t in response.templates] == [
        "components/job_progress.html",
        "components/progress_bar.html",
    ]
    assert 'hx-trigger="every 1s"' in html
    assert 'aria-valuenow="40"' in html


def test_finished_job_progress_stops_polling_and_shows_counts_and_error(org, manager, client_for):
    # given
    job = JobRunFactory(
        organization=org,
        status=JobRun.Status.FAILED,
        progress=70,
        counts={"rows": 12},
        error="Row 7: bad date",
    )
    # when
    response = client_for(manager).get(reverse("revops:job-progress", args=[job.pk]), HTTP_HX_REQUEST="true")
    # then
    html = response.content.decode()
    assert "hx-trigger" not in html
    assert "rows: 12" in html
    assert "Row 7: bad date" in html


def test_job_progress_of_other_org_is_404(other_org, manager, client_for):
    # given
    job = JobRunFactory(organization=other_org)
    # when
    response = client_for(manager).get(reverse("revops:job-progress", args=[job.pk]))
    # then
    assert response.status_code == 404


def test_job_list_exports_csv_and_excel_of_the_organizations_runs(org, other_org, manager, client_for):
    # given
    JobRunFactory(organization=org, kind="opportunity.import", progress=40)
    JobRunFactory(organization=other_org, kind="foreign.job")
    client = client_for(manager)
    # when
    csv_response = client.get(reverse("revops:job-list"), {"export": "csv"})
    xlsx_response = client.get(reverse("revops:job-list"), {"export": "xlsx"})
    # then
    rows = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Id", "Kind", "Status", "Progress"]
    assert [r[1:4] for r in rows[1:]] == [["opportunity.import", "Queued", "40"]]
    sheet = load_workbook(io.BytesIO(xlsx_response.content)).active
    assert [c.value for c in sheet[2]][1:4] == ["opportunity.import", "Queued", 40]
    assert sheet.max_row == 2


def test_job_list_shows_import_problems_as_separate_items_with_a_count(org, manager, client_for):
    # given: a refused import with five problems, two of them beyond the first three shown
    JobRunFactory(
        organization=org,
        kind="opportunity.import",
        status=JobRun.Status.FAILED,
        progress=100,
        error="\n".join(
            [
                "line 2, amount: not a number",
                "line 3, stage: 'won' is not one of the stages",
                "line 5: the row has 9 values, the header has 8 columns",
                "line 8, close_date: not a date",
                "line 9, account: no account 'Zephyr'",
            ]
        ),
    )
    # when
    html = client_for(manager).get(reverse("revops:job-list")).content.decode()
    # then
    assert html.count('<li class="problem">') == 5
    assert '<p class="job-problem-count">5 problems</p>' in html
    assert (
        '<li class="problem"><span class="problem-where">line 2</span>'
        '<span class="problem-field">amount</span><span class="problem-message">not a number</span></li>'
    ) in html
    assert "<summary>Show 2 more</summary>" in html
    first, rest = html.split("<summary>Show 2 more</summary>")
    assert "not a date" in rest and "not a date" not in first
