"""Export kit: formatted Excel, files written by jobs, downloads only for whoever asked."""

import csv
import dataclasses
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from revops import export_registry
from revops.exports import ExportTable, xlsx_workbook_bytes
from revops.models import JobRun
from revops.reports_pdf import pdf_bytes
from tests.revops.factories import MembershipFactory, OpportunityFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def test_excel_sheets_have_frozen_bold_header_filters_and_fitted_widths():
    # given
    tables = [
        ExportTable(
            "Deals", ["Name", "Amount"], [["A rather long deal name here", Decimal("1234.50")], ["B", None]]
        ),
        ExportTable("Deals", ["Partner"], [["Orbit"]]),  # same title: made unique
    ]

    # when
    workbook = load_workbook(io.BytesIO(xlsx_workbook_bytes(tables)))

    # then
    assert workbook.sheetnames == ["Deals", "Deals (2)"]
    sheet = workbook["Deals"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:B3"
    assert sheet["A1"].font.bold is True
    assert sheet.column_dimensions["A"].width == 30  # 28 characters + 2
    assert sheet.column_dimensions["B"].width == 10  # "Amount" + padding, at least the minimum
    assert sheet["B2"].value == 1234.5
    assert sheet["B2"].number_format == "#,##0.00"
    assert workbook["Deals (2)"]["A2"].value == "Orbit"


def test_pdf_holds_every_row_in_page_sized_blocks():
    # given
    rows = [[i, f"Partner {i}", Decimal(i)] for i in range(95)]

    # when
    content = pdf_bytes(
        title="Ledger", organization_name="Acme", tables=[ExportTable("L", ["#", "P", "A"], rows)]
    )

    # then: 95 rows at 40 per block → 3 pages, every row once, the footer on each page
    reader = PdfReader(io.BytesIO(content))
    text = "".join(page.extract_text() for page in reader.pages)
    assert len(reader.pages) == 3
    assert [f"Partner {i}\n" in text for i in range(95)] == [True] * 95
    assert text.count("Ledger · page") == 3


@pytest.fixture
def org_world():
    org = OrganizationFactory()
    rep = MembershipFactory(organization=org, role="rep")
    other_rep = MembershipFactory(organization=org, role="rep")
    admin = MembershipFactory(organization=org, role="admin")
    for i in range(3):
        OpportunityFactory(organization=org, owner=rep.user, name=f"Mine {i}")
    OpportunityFactory(organization=org, owner=other_rep.user, name="Not mine")
    return {"org": org, "rep": rep, "other_rep": other_rep, "admin": admin}


@pytest.fixture
def small_inline_limit(monkeypatch):
    """Make every opportunity export larger than what a request writes itself."""
    spec = export_registry.export_spec("opportunities")
    monkeypatch.setitem(export_registry._SPECS, "opportunities", dataclasses.replace(spec, inline_rows=1))


def test_a_large_export_runs_as_a_job_and_only_its_starter_downloads_it(
    client, org_world, small_inline_limit, django_capture_on_commit_callbacks
):
    # given
    client.force_login(org_world["rep"].user)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("revops:opportunity-list"), {"export": "csv"})

    # then: a job wrote the rep's rows only
    job = JobRun.objects.get(kind="export.file")
    assert response.status_code == 303
    assert job.status == JobRun.Status.SUCCEEDED
    assert job.counts["rows"] == 3
    status_page = client.get(reverse("revops:export-status", args=[job.pk])).content.decode()
    assert "3 rows written." in status_page
    assert 'id="export-download"' in status_page
    download = client.get(reverse("revops:export-download", args=[job.pk]))
    text = b"".join(download.streaming_content).decode("utf-8-sig")
    names = sorted(row[1] for row in csv.reader(io.StringIO(text)))[:-1]  # without the header
    assert names == ["Mine 0", "Mine 1", "Mine 2"]

    # and: nobody else sees or downloads it, not even an admin of the organization
    for other in ("other_rep", "admin"):
        client.force_login(org_world[other].user)
        assert client.get(reverse("revops:export-status", args=[job.pk])).status_code == 404
        assert client.get(reverse("revops:export-download", args=[job.pk])).status_code == 404


def test_a_double_click_queues_one_export(
    client, org_world, small_inline_limit, django_capture_on_commit_callbacks
):
    # given
    client.force_login(org_world["rep"].user)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        first = client.get(reverse("revops:opportunity-list"), {"export": "xlsx"})
        second = client.get(reverse("revops:opportunity-list"), {"export": "xlsx"})

    # then
    assert first["Location"] == second["Location"]
    assert JobRun.objects.filter(kind="export.file").count() == 1


def test_an_export_of_a_member_who_left_fails_with_a_message(
    client, org_world, small_inline_limit, django_capture_on_commit_callbacks
):
    # given: the rep asks, and is deactivated before the job runs
    client.force_login(org_world["rep"].user)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.get(reverse("revops:opportunity-list"), {"export": "csv"})
    org_world["rep"].is_active = False
    org_world["rep"].save(update_fields=["is_active"])

    # when
    for callback in callbacks:
        callback()

    # then
    job = JobRun.objects.get(kind="export.file")
    assert job.status == JobRun.Status.FAILED
    assert job.error == "The member who asked for this export no longer has access to the organization."
    assert "file" not in job.counts


def test_an_undeclared_format_is_not_found(client, org_world):
    client.force_login(org_world["admin"].user)
    response = client.get(reverse("revops:job-list"), {"export": "pdf"})
    assert response.status_code == 404
    assert not JobRun.objects.filter(kind="export.file").exists()
