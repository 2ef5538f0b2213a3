"""The reports page (generate as a job, follow, download) and report schedules (recipient rule,
due → job → e-mail with the file, one send per due time)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from revops.models import AuditEvent, JobRun, Organization, ReportSchedule
from revops.schedule import SCHEDULE
from revops.services.reports import (
    REPORT_KIND,
    next_run_after,
    report_schedule_create,
    report_schedules_run_due,
)
from tests.attribution.factories_pages import build_book

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(org, rep, other_rep):
    return build_book(org, rep, other_rep)


def _choices(response) -> list[str]:
    return [key for key, _label in response.context["form"].fields["report"].choices]


def test_reports_page_offers_each_member_the_reports_their_capabilities_allow(
    book, rep, finance_admin, client_for
):
    # when
    rep_page = client_for(rep).get(reverse("revops:reports"))
    finance_page = client_for(finance_admin).get(reverse("revops:reports"))

    # then: the audit trail needs the audit capability (finance, admins), not a rep's
    assert rep_page.status_code == 200
    assert _choices(rep_page) == ["executive", "partner-performance", "account-drilldown"]
    assert _choices(finance_page) == ["executive", "partner-performance", "account-drilldown", "audit-trail"]


def test_generate_runs_a_job_and_only_its_starter_downloads_it(
    book, rep, other_rep, client_for, django_capture_on_commit_callbacks
):
    # given
    client = client_for(rep)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("revops:reports"), {"report": "partner-performance", "period": "all", "format": "xlsx"}
        )

    # then
    job = JobRun.objects.get(kind=REPORT_KIND)
    assert response.status_code == 302 and response["Location"] == reverse("revops:report-job", args=[job.pk])
    assert job.status == JobRun.Status.SUCCEEDED, job.error
    page = client.get(reverse("revops:report-job", args=[job.pk]))
    assert reverse("revops:report-download", args=[job.pk]) in page.content.decode()
    download = client.get(reverse("revops:report-download", args=[job.pk]))
    workbook = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    partners = list(workbook["Partners"].iter_rows(values_only=True))
    assert partners[-1][4] == Decimal("150.00")  # the rep's scope: Alpha 100 + Beta 50
    other = client_for(other_rep)
    assert other.get(reverse("revops:report-job", args=[job.pk])).status_code == 404
    assert other.get(reverse("revops:report-download", args=[job.pk])).status_code == 404


def test_drilldown_of_an_account_outside_the_scope_is_refused_and_queues_nothing(book, rep, client_for):
    # when: the other rep's account (Umbrella) is not in the rep's choices
    response = client_for(rep).post(
        reverse("revops:reports"),
        {
            "report": "account-drilldown",
            "period": "all",
            "format": "pdf",
            "account": book.other_deal.account_id,
        },
    )

    # then
    assert response.status_code == 400
    assert "account" in response.context["form"].errors
    assert not JobRun.objects.filter(kind=REPORT_KIND).exists()


def test_a_rep_cannot_send_their_report_to_another_rep(org, book, rep, other_rep, client_for):
    # when
    response = client_for(rep).post(
        reverse("revops:report-schedule-create"),
        {
            "name": "Weekly partners",
            "report": "partner-performance",
            "period": "this_quarter",
            "format": "pdf",
            "frequency": "weekly",
            "recipients": [rep.pk, other_rep.pk],
        },
    )

    # then: refused with the reason, nothing written
    assert response.status_code == 400
    assert "only members who see the whole organization" in response.content.decode()
    assert not ReportSchedule.objects.exists()
    assert not AuditEvent.objects.filter(action="report_schedule.create").exists()


def test_schedule_due_sends_one_mail_with_the_file_to_the_allowed_recipients(
    org, book, rep, admin, django_capture_on_commit_callbacks
):
    # given: the rep's weekly report to themself and to an admin (who sees the whole organization)
    schedule = report_schedule_create(
        owner=rep,
        actor=rep.user,
        name="Monday partners",
        report="partner-performance",
        period="all",
        frequency="weekly",
        fmt="pdf",
        recipients=[rep, admin],
    )
    due_at = schedule.next_run_at
    assert due_at.weekday() == 0 and AuditEvent.objects.filter(action="report_schedule.create").count() == 1

    # when: the beat runs after the due time, twice
    with django_capture_on_commit_callbacks(execute=True):
        first = report_schedules_run_due(now=due_at + dt.timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):
        second = report_schedules_run_due(now=due_at + dt.timedelta(minutes=6))

    # then: one job, one mail, the PDF attached, built with the rep's scope
    assert (first, second) == ({"queued": 1}, {"queued": 0})
    job = JobRun.objects.get(kind=REPORT_KIND)
    assert job.status == JobRun.Status.SUCCEEDED, job.error
    assert (job.counts["mailed"], job.counts["skipped"], job.started_by_id) == (2, [], rep.user_id)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == ["admin@acme.test", rep.user.email]
    ((filename, content, mimetype),) = message.attachments
    assert filename.endswith(".pdf") and mimetype == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert "Partner performance" in text and "Umbrella" not in text
    schedule.refresh_from_db()
    assert schedule.next_run_at == due_at + dt.timedelta(days=7)
    assert schedule.last_run_at is not None


def test_a_recipient_who_lost_the_right_is_skipped_at_send_time(
    org, book, rep, admin, django_capture_on_commit_callbacks
):
    # given
    schedule = report_schedule_create(
        owner=rep,
        actor=rep.user,
        name="Monthly",
        report="executive",
        period="all",
        frequency="monthly",
        fmt="xlsx",
        recipients=[rep, admin],
    )
    admin.is_active = False
    admin.save(update_fields=["is_active"])

    # when
    with django_capture_on_commit_callbacks(execute=True):
        report_schedules_run_due(now=schedule.next_run_at)

    # then
    job = JobRun.objects.get(kind=REPORT_KIND)
    assert (job.counts["mailed"], job.counts["skipped"]) == (1, ["admin@acme.test"])
    assert mail.outbox[0].to == [rep.user.email]
    assert mail.outbox[0].attachments[0][0].endswith(".xlsx")


def test_schedule_for_a_deactivated_owner_fails_its_job_and_mails_nothing(
    org, book, rep, django_capture_on_commit_callbacks
):
    # given
    schedule = report_schedule_create(
        owner=rep,
        actor=rep.user,
        name="Weekly",
        report="executive",
        period="all",
        frequency="weekly",
        fmt="pdf",
        recipients=[rep],
    )
    rep.is_active = False
    rep.save(update_fields=["is_active"])

    # when
    with django_capture_on_commit_callbacks(execute=True):
        report_schedules_run_due(now=schedule.next_run_at)

    # then
    job = JobRun.objects.get(kind=REPORT_KIND)
    assert job.status == JobRun.Status.FAILED and "no longer has access" in job.error
    assert mail.outbox == []


def test_schedule_needs_a_recipient(org, rep):
    with pytest.raises(ValidationError, match="at least one recipient"):
        report_schedule_create(
            owner=rep,
            actor=rep.user,
            name="Nobody",
            report="executive",
            period="all",
            frequency="weekly",
            fmt="pdf",
            recipients=[],
        )
    assert not ReportSchedule.objects.exists()


@pytest.mark.parametrize(
    ("_case", "frequency", "after", "expected"),
    [
        (
            "weekly_on_a_wednesday",
            "weekly",
            dt.datetime(2026, 3, 4, 12, tzinfo=dt.UTC),
            dt.datetime(2026, 3, 9, 6, tzinfo=dt.UTC),
        ),
        (
            "weekly_monday_after_six",
            "weekly",
            dt.datetime(2026, 3, 9, 6, 1, tzinfo=dt.UTC),
            dt.datetime(2026, 3, 16, 6, tzinfo=dt.UTC),
        ),
        (
            "monthly_mid_month",
            "monthly",
            dt.datetime(2026, 3, 4, tzinfo=dt.UTC),
            dt.datetime(2026, 4, 1, 6, tzinfo=dt.UTC),
        ),
        (
            "monthly_on_the_first_early",
            "monthly",
            dt.datetime(2026, 4, 1, 5, tzinfo=dt.UTC),
            dt.datetime(2026, 4, 1, 6, tzinfo=dt.UTC),
        ),
        (
            "monthly_december",
            "monthly",
            dt.datetime(2026, 12, 2, tzinfo=dt.UTC),
            dt.datetime(2027, 1, 1, 6, tzinfo=dt.UTC),
        ),
    ],
)
def test_next_run_after(_case, frequency, after, expected):
    organization = Organization(name="x", slug="x", time_zone="UTC")
    assert next_run_after(frequency=frequency, after=after, organization=organization) == expected


def test_next_run_follows_the_organizations_time_zone():
    organization = Organization(name="x", slug="x", time_zone="Europe/Paris")
    after = dt.datetime(2026, 3, 4, tzinfo=dt.UTC)
    assert next_run_after(frequency="weekly", after=after, organization=organization) == dt.datetime(
        2026, 3, 9, 5, tzinfo=dt.UTC
    )


def test_beat_runs_the_due_reports_hourly():
    entry = next(e for e in SCHEDULE if e.task == "revops.tasks.send_due_reports_task")
    assert (entry.crontab["minute"], entry.crontab["hour"], entry.expire_seconds) == ("5", "*", 3600)


def test_the_account_pages_link_fills_the_drilldown_and_offers_only_visible_accounts(book, rep, client_for):
    # when
    response = client_for(rep).get(reverse("revops:reports"), {"account": book.deal.account_id})

    # then
    form = response.context["form"]
    assert (form.initial["report"], form.initial["account"]) == (
        "account-drilldown",
        str(book.deal.account_id),
    )
    assert list(form.fields["account"].queryset.values_list("name", flat=True)) == ["Initech"]
