"""Hostile files through the page, the job and the commands: a clear message, never a 500,
never a job left running, nothing written; a failed file may be uploaded again."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from attribution.models import RevenueEvent
from revops.imports.readers import MAX_FIELD_CHARS
from revops.models import JobRun, Opportunity
from revops.services.imports import import_job_run
from tests.revops.factories import AccountFactory
from tests.revops.test_imports import csv_text, row

GOOD = csv_text([row()])
HEADER = GOOD.splitlines()[0]

HOSTILE = [
    (
        "field_over_128kb",
        f"{HEADER},notes\n{GOOD.splitlines()[1]},".encode() + b"x" * (129 * 1024) + b"\n",
        f"line 2: a value is longer than {MAX_FIELD_CHARS} characters.",
    ),
    (
        "unclosed_quote",
        f'{HEADER}\nOPP-1,"Widgets,ACC-1,,proposal,1.00,USD,2026-01-10,,,,\n'.encode(),
        'line 2: a quoted value is never closed (a " without its closing ").',
    ),
    (
        "nul_byte",
        GOOD.replace("Widgets", "Wid\x00gets").encode(),
        "line 2: the file contains a NUL byte; it is not a text file in utf-8.",
    ),
    (
        "latin1",
        GOOD.replace("Widgets", "Café").encode("latin-1"),
        f"line 2: the file is not utf-8 text (byte 0xe9 at offset {len(HEADER) + 10}); choose a profile with the "
        "file's encoding (for example latin-1 or utf-16).",
    ),
    (
        "utf16",
        GOOD.encode("utf-16"),
        "The file is UTF-16 (it starts with a UTF-16 byte-order mark); the profile says utf-8.",
    ),
    (
        "wrong_delimiter",
        GOOD.replace(",", ";").encode(),
        "line 1: the file looks ;-separated, the profile says ,.",
    ),
    (
        "duplicate_header",
        GOOD.replace("lead_source", "amount").encode(),
        "line 1: the column 'amount' appears twice (columns 6 and 12); rename or remove one.",
    ),
    (
        "not_a_csv",
        b"\x89PNG\r\n\x1a\n" + bytes(range(256)),
        "line 1: the file is not utf-8 text (byte 0x89 at offset 0); "
        "choose a profile with the file's encoding (for example latin-1 or utf-16).",
    ),
]


@pytest.mark.parametrize(("_case", "content", "message"), HOSTILE)
def test_hostile_upload_fails_its_job_with_a_message_and_writes_nothing(
    _case, content, message, org, manager, catalog, client_for, django_capture_on_commit_callbacks
):
    # given
    client = client_for(manager)
    upload = SimpleUploadedFile("deals.csv", content, content_type="text/csv")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("revops:opportunity-import"), {"file": upload})
    job = JobRun.objects.get()
    page = client.get(response["Location"])
    # then
    assert (response.status_code, response["Location"]) == (302, reverse("revops:import-job", args=[job.pk]))
    assert (job.status, job.error, job.finished_at is not None) == (JobRun.Status.FAILED, message, True)
    assert page.status_code == 200
    assert message.encode() in page.content.replace(b"&#x27;", b"'").replace(b"&quot;", b'"')
    assert Opportunity.objects.count() == 0


def test_headers_with_trailing_spaces_and_capitals_are_found(org, manager, catalog, client_for):
    # given: "date " used to count as a missing column
    content = GOOD.replace("created_date", "Created_Date ").replace("amount", " AMOUNT").encode()
    upload = SimpleUploadedFile("deals.csv", content, content_type="text/csv")
    client = client_for(manager)
    # when
    response = client.post(reverse("revops:opportunity-import"), {"file": upload})
    # then
    job = JobRun.objects.get()
    import_job_run(job_run_id=job.pk)
    job.refresh_from_db()
    assert (response.status_code, job.status, job.counts["create"]) == (302, JobRun.Status.SUCCEEDED, 1)


def test_a_file_whose_job_failed_can_be_uploaded_again(
    org, manager, catalog, client_for, django_capture_on_commit_callbacks
):
    # given: the file names an account that does not exist yet, so its preview fails
    content = csv_text([row(account_external_id="ACC-NEW")]).encode()
    client = client_for(manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("revops:opportunity-import"), {"file": SimpleUploadedFile("d.csv", content)})
    failed = JobRun.objects.get()
    AccountFactory(organization=org, external_id="ACC-NEW")
    # when: the same file again
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = client.post(
            reverse("revops:opportunity-import"), {"file": SimpleUploadedFile("d.csv", content)}
        )
    # then: it ran again (before: "already imported", and never run)
    rerun = JobRun.objects.get()
    assert failed.error == "line 2, account_external_id: no account with external id 'ACC-NEW'"
    assert (again.status_code, len(callbacks), rerun.pk) == (302, 1, failed.pk)
    assert (rerun.status, rerun.error, rerun.counts["create"]) == (JobRun.Status.SUCCEEDED, "", 1)


@pytest.mark.parametrize(
    ("_case", "content", "message"),
    [
        (
            "latin1",
            "external_id,opportunity_external_id,date,amount\nR-1,Café,2026-01-01,1.00\n".encode("latin-1"),
            "line 2: the file is not utf-8 text (byte 0xe9 at offset 55); choose a profile with the file's encoding "
            "(for example latin-1 or utf-16).",
        ),
        (
            "utf16",
            "external_id,opportunity_external_id,date,amount\n".encode("utf-16"),
            "The file is UTF-16 (it starts with a UTF-16 byte-order mark); the profile says utf-8.",
        ),
        (
            "huge_field",
            b"external_id,opportunity_external_id,date,amount\nR-1,"
            + b"x" * (200 * 1024)
            + b",2026-01-01,1\n",
            f"line 2: a value is longer than {MAX_FIELD_CHARS} characters.",
        ),
        (
            "nul_byte",
            b"external_id,opportunity_external_id,date,amount\nR-\x001,OPP-1,2026-01-01,1\n",
            "line 2: the file contains a NUL byte; it is not a text file in utf-8.",
        ),
    ],
)
def test_import_revenue_events_command_names_the_problem_instead_of_a_traceback(
    _case, content, message, org, tmp_path, capsys
):
    # given
    path = tmp_path / "revenue.csv"
    path.write_bytes(content)
    # when
    with pytest.raises(CommandError) as raised:
        call_command("import_revenue_events", str(path), "--org", org.slug)
    # then
    job = JobRun.objects.get()
    assert str(raised.value) == f"Job #{job.pk}: 1 problem(s); nothing was imported."
    assert capsys.readouterr().err.strip() == message
    assert RevenueEvent.objects.count() == 0


def test_command_refuses_a_missing_file_and_an_unknown_profile(org, tmp_path):
    with pytest.raises(CommandError) as missing:
        call_command("import_opportunities", str(tmp_path / "nope.csv"), "--org", org.slug)
    (tmp_path / "d.csv").write_text(GOOD)
    with pytest.raises(CommandError) as unknown:
        call_command("import_opportunities", str(tmp_path / "d.csv"), "--org", org.slug, "--profile", "SAP")
    assert str(missing.value) == f"Cannot read {tmp_path / 'nope.csv'}: No such file or directory."
    assert str(unknown.value) == "No opportunities import profile 'SAP' in this organization."
    assert JobRun.objects.count() == 0


def test_a_file_with_thousands_of_bad_rows_reports_the_first_ones_and_how_many_more(
    org, manager, catalog, tmp_path
):
    # given: 2,000 rows, each with an unknown account
    path = tmp_path / "deals.csv"
    path.write_text(csv_text([row(external_id=f"OPP-{n}", account_external_id="NOPE") for n in range(2000)]))
    # when
    with pytest.raises(CommandError) as raised:
        call_command("import_opportunities", str(path), "--org", org.slug)
    # then
    job = JobRun.objects.get()
    lines = job.error.splitlines()
    assert str(raised.value) == f"Job #{job.pk}: 2000 problem(s); nothing was imported."
    assert lines[0] == "line 2, account_external_id: no account with external id 'NOPE'"
    assert lines[-1] == f"… and {2000 - len(lines) + 1} more problem(s) not shown."
    assert len(job.error) <= 10_000
    assert Opportunity.objects.count() == 0
