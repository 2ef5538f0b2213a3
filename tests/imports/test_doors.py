"""The three doors — import page, API, management command — give the same rows, the same
errors and the same audit row for the same file, because they call the same services."""

import io
import tempfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from rest_framework.test import APIClient

from revops.models import AuditEvent, ImportProfile, JobRun, Opportunity, OpportunityStageChange

GOOD = (
    "Deal;Title;Customer;Stage;Value;Created;Owner\n"
    "D-1;Rahmenvertrag;ACC-1;Angebot;1.234,56;05.01.2026;rep1@acme.test\n"
    "D-2;Lizenz;ACC-1;Angebot;99,50;06.01.2026;\n"
).encode("latin-1")
BAD = (
    "Deal;Title;Customer;Stage;Value;Created;Owner\n"
    "D-1;Rahmenvertrag;ACC-404;Angebot;1.234,56;05.01.2026;\n"
    "D-2;Lizenz;ACC-1;Verloren;1,5;2026-01-06;\n"
).encode("latin-1")
BAD_ERRORS = [
    "line 2, account_external_id: no account with external id 'ACC-404'",
    "line 3, stage: unknown stage 'Verloren' (use one of: prospecting, qualification, proposal, negotiation, "
    "closed_won, closed_lost)",
    "line 3, created_date: '2026-01-06' is not a date (use DD.MM.YYYY)",
]


@pytest.fixture
def profile(org):
    return ImportProfile.objects.create(
        organization=org,
        kind="opportunities",
        name="German CRM",
        spec={
            "delimiter": ";",
            "encoding": "latin-1",
            "columns": {
                "external_id": "Deal",
                "name": "Title",
                "account_external_id": "Customer",
                "stage": "Stage",
                "amount": "Value",
                "created_date": "Created",
                "owner_email": "Owner",
            },
            "number": {"decimal": ",", "thousands": "."},
            "date_formats": ["%d.%m.%Y"],
            "constants": {"currency": "EUR"},
            "value_maps": {"stage": {"Angebot": "proposal"}},
        },
    )


def through_page(manager, client_for, content, capture) -> JobRun:
    client = client_for(manager)
    with capture(execute=True):
        response = client.post(
            reverse("revops:opportunity-import"),
            {"file": SimpleUploadedFile("deals.csv", content), "profile": "German CRM"},
        )
    preview = JobRun.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))
    if preview.status != JobRun.Status.SUCCEEDED:
        return preview
    with capture(execute=True):
        confirmed = client.post(reverse("revops:import-confirm", args=[preview.pk]))
    return JobRun.objects.get(pk=int(confirmed["Location"].rstrip("/").split("/")[-1]))


def through_api(manager, client_for, content, capture) -> JobRun:
    client = APIClient()
    client.force_login(manager.user)
    upload = io.BytesIO(content)
    upload.name = "deals.csv"
    with capture(execute=True):
        response = client.post(
            reverse("import-create", kwargs={"kind_name": "opportunities"}),
            {"file": upload, "profile": "German CRM"},
            format="multipart",
        )
    assert response.status_code == 202
    job = JobRun.objects.get(pk=response.json()["id"])
    assert client.get(reverse("import-job", args=[job.pk])).json()["problems"] == job.error.splitlines()
    return job


def through_command(manager, client_for, content, capture) -> JobRun:
    path = Path(tempfile.mkdtemp()) / "deals.csv"
    path.write_bytes(content)
    err = io.StringIO()
    try:
        call_command(
            "import_opportunities", str(path), "--org", "acme", "--profile", "German CRM",
            "--as", manager.user.email, stdout=io.StringIO(), stderr=err,
        )  # fmt: skip
    except CommandError:
        # The command prints the job's errors, one a line.
        assert err.getvalue().splitlines() == JobRun.objects.get().error.splitlines()
    return JobRun.objects.get(params__mode="apply")


DOORS = {"page": through_page, "api": through_api, "command": through_command}


@pytest.mark.parametrize("door", list(DOORS))
def test_every_door_imports_the_same_rows_with_the_same_audit(
    door, org, manager, catalog, profile, client_for, django_capture_on_commit_callbacks
):
    # when
    job = DOORS[door](manager, client_for, GOOD, django_capture_on_commit_callbacks)
    # then
    assert (job.status, job.error, job.counts) == (
        JobRun.Status.SUCCEEDED,
        "",
        {"rows": 2, "create": 2, "update": 0, "unchanged": 0, "total_amount": "1334.06"},
    )
    rows = Opportunity.objects.order_by("external_id").values_list(
        "external_id", "name", "stage", "amount", "currency", "created_date", "owner__email"
    )
    assert [tuple(str(v) for v in r) for r in rows] == [
        ("D-1", "Rahmenvertrag", "proposal", "1234.56", "EUR", "2026-01-05", "rep1@acme.test"),
        ("D-2", "Lizenz", "proposal", "99.50", "EUR", "2026-01-06", "None"),
    ]
    audit = AuditEvent.objects.get(action="opportunity.import")
    assert (audit.actor, audit.object_type, audit.object_id, audit.after) == (
        manager.user,
        "revops.jobrun",
        str(job.pk),
        {"create": 2, "update": 0, "unchanged": 0, "total_amount": "1334.06"},
    )


@pytest.mark.parametrize("door", list(DOORS))
def test_every_door_refuses_the_same_file_with_the_same_errors(
    door, org, manager, catalog, profile, client_for, django_capture_on_commit_callbacks
):
    # when
    job = DOORS[door](manager, client_for, BAD, django_capture_on_commit_callbacks)
    # then
    assert (job.status, job.error.splitlines()) == (JobRun.Status.FAILED, BAD_ERRORS)
    assert (Opportunity.objects.count(), OpportunityStageChange.objects.count()) == (0, 0)
    assert not AuditEvent.objects.filter(action="opportunity.import").exists()
