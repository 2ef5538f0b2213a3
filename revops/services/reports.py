"""Reports written by JobRuns, downloaded by whoever asked, or mailed by a schedule.

Building a report never happens in a request: the reports page queues a `report.file` job
(its progress bar polls it) and the job builds the report with the scope of the member who
asked, at the time it runs (a deactivated member gets nothing).

Schedules (`ReportSchedule`) are sent by the beat entry `send_due_reports_task`: each due
schedule is claimed by a conditional UPDATE of its `next_run_at` (two beats never send one
twice) and queues a job keyed by schedule and due time. The job builds the file with the
owner's scope and mails it to the recipients who may still see it. Who may receive a
schedule's file: its owner, and members whose deal scope is the whole organization and who
hold the report's capabilities; a rep's or a team manager's report holds deals their peers
must not see, so it goes to nobody else. Checked on save, and again on each send (a recipient
who lost the right is skipped and named in the job's counts).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from revops.models import (
    Account,
    JobRun,
    Membership,
    Organization,
    ReportFormat,
    ReportFrequency,
    ReportRecipient,
    ReportSchedule,
)
from revops.permissions import Cap, Kind, Scope, has_cap, scope_for, scoped
from revops.reports.kit import Report, ReportParams, ReportSpec, report_spec
from revops.reports.pdf import report_pdf_bytes
from revops.reports.xlsx import report_xlsx_bytes
from revops.selectors.periods import PeriodChoice, organization_today
from revops.services.audit import audit_record
from revops.services.jobs import JobProgress, job_enqueue

REPORT_KIND = "report.file"
REPORT_DIR = "reports"
# A second click on Generate within this many seconds gets the same job, not a second file.
DOUBLE_CLICK_SECONDS = 30
# Schedules send at this hour of the organization's day (before the working day starts).
SEND_HOUR = 6
CONTENT_TYPES = {
    ReportFormat.PDF: "application/pdf",
    ReportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
MEMBER_GONE = "The member this report is built for no longer has access to the organization."
NOT_ALLOWED = "You may not run the report {label!r}."
UNKNOWN_REPORT = "There is no report {key!r}."
ACCOUNT_NEEDED = "The {label} is about one account: choose one you may see."
RECIPIENT_REFUSED = (
    "{name} may not receive this report: it is built with {owner}'s scope, and only members who "
    "see the whole organization's deals (and may run the report) receive another member's report."
)


def _spec(key: str) -> ReportSpec:
    try:
        return report_spec(key)
    except KeyError:
        raise ValidationError({"report": UNKNOWN_REPORT.format(key=key)}) from None


def report_allowed(membership: Membership | None, spec: ReportSpec) -> bool:
    """May this member run (or receive) `spec`? The export capability and the report's own."""
    return has_cap(membership, Cap.EXPORT) and all(has_cap(membership, cap) for cap in spec.caps)


def _check_params(*, membership: Membership, spec: ReportSpec, period: str, account_id: int | None) -> None:
    if not report_allowed(membership, spec):
        raise ValidationError({"report": NOT_ALLOWED.format(label=spec.label)})
    if period not in PeriodChoice.values:
        raise ValidationError({"period": f"Unknown period {period!r}."})
    if spec.needs_account:
        visible = scoped(
            Account.objects.filter(organization=membership.organization), membership, kind=Kind.ACCOUNT
        )
        if account_id is None or not visible.filter(pk=account_id).exists():
            raise ValidationError({"account": ACCOUNT_NEEDED.format(label=spec.label)})


def report_build(
    *, membership: Membership, key: str, params: ReportParams, today: dt.date | None = None
) -> Report:
    """The report `key` for what `membership` may see (refused without its capabilities)."""
    spec = _spec(key)
    _check_params(membership=membership, spec=spec, period=params.period, account_id=params.account_id)
    return spec.build(
        membership=membership, params=params, today=today or organization_today(membership.organization)
    )


def report_bytes(report: Report, fmt: str, progress=None) -> bytes:
    if fmt == ReportFormat.PDF:
        return report_pdf_bytes(report, progress)
    if fmt == ReportFormat.XLSX:
        return report_xlsx_bytes(report, progress)
    raise ValidationError({"format": f"Unknown format {fmt!r}."})


def report_enqueue(
    *, membership: Membership, actor, report: str, fmt: str, period: str, account_id: int | None = None
) -> JobRun:
    """Queue the report for the member; the same request twice within seconds → one job."""
    spec = _spec(report)
    if fmt not in ReportFormat.values:
        raise ValidationError({"format": f"Unknown format {fmt!r}."})
    _check_params(membership=membership, spec=spec, period=period, account_id=account_id)
    params = {"report": report, "format": fmt, "period": period, "account": account_id}
    bucket = int(timezone.now().timestamp()) // DOUBLE_CLICK_SECONDS
    digest = hashlib.sha256(json.dumps([params, actor.pk, bucket], sort_keys=True).encode()).hexdigest()[:32]
    job, _created = job_enqueue(
        organization=membership.organization,
        kind=REPORT_KIND,
        idempotency_key=f"report:{digest}",
        params=params,
        started_by=actor,
    )
    return job


def _active_membership(organization_id: int, user_id: int | None) -> Membership | None:
    if user_id is None:
        return None
    return (
        Membership.objects.filter(organization_id=organization_id, user_id=user_id, is_active=True)
        .select_related("organization", "partner", "user")
        .first()
    )


def recipient_allowed(*, owner: Membership, recipient: Membership, spec: ReportSpec) -> bool:
    """The rule in the module docstring: the owner, or an organization-wide member with the caps."""
    if not recipient.is_active or recipient.organization_id != owner.organization_id:
        return False
    if not report_allowed(recipient, spec):
        return False
    return recipient.user_id == owner.user_id or scope_for(recipient, Kind.OPPORTUNITY) is Scope.ORGANIZATION


def report_file_write(*, job: JobRun, progress: JobProgress) -> dict:
    """Build and store the report recorded in `job`; a schedule's job also mails it."""
    membership = _active_membership(job.organization_id, job.started_by_id)
    if membership is None:
        raise ValidationError(MEMBER_GONE)
    params = ReportParams(period=job.params["period"], account_id=job.params.get("account"))
    fmt = job.params["format"]
    report = report_build(membership=membership, key=job.params["report"], params=params)
    content = report_bytes(report, fmt, lambda percent: progress.report(done=percent, total=100, span=90))
    filename = f"{report.filename}.{fmt}"
    path = default_storage.save(
        f"{REPORT_DIR}/{job.organization_id}/{job.pk}/{filename}", ContentFile(content)
    )
    counts: dict = {"file": path, "filename": filename, "bytes": len(content), "rows": report.row_count}
    schedule_id = job.params.get("schedule")
    if schedule_id is not None:
        counts.update(_mail(job=job, owner=membership, content=content, filename=filename, report=report))
    return counts


def _mail(*, job: JobRun, owner: Membership, content: bytes, filename: str, report: Report) -> dict:
    schedule = ReportSchedule.objects.filter(
        organization_id=job.organization_id, pk=job.params["schedule"]
    ).first()
    if schedule is None:
        raise ValidationError("The schedule of this report was deleted before it was sent.")
    spec = _spec(schedule.report)
    rows = Membership.objects.filter(report_schedules=schedule).select_related("user", "organization")
    allowed = [m for m in rows if recipient_allowed(owner=owner, recipient=m, spec=spec) and m.user.email]
    skipped = sorted(m.user.email for m in rows if m not in allowed)
    if allowed:
        message = EmailMessage(
            subject=f"{report.title} — {report.subtitle}",
            body="\n\n".join(
                [f"{schedule.name} ({schedule.get_frequency_display().lower()}).", *report.summary]
            ),
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=sorted(m.user.email for m in allowed),
        )
        message.attach(filename, content, CONTENT_TYPES[ReportFormat(job.params["format"])])
        message.send()
    ReportSchedule.objects.filter(pk=schedule.pk).update(last_run_at=timezone.now())
    return {"mailed": len(allowed), "skipped": skipped}


def report_file_open(*, job: JobRun):
    return default_storage.open(job.counts["file"], "rb")


# --- schedules -------------------------------------------------------------------------------


def _zone(organization: Organization) -> dt.tzinfo:
    try:
        return ZoneInfo(organization.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def next_run_after(*, frequency: str, after: dt.datetime, organization: Organization) -> dt.datetime:
    """The first send time after `after`: Mondays (weekly) or the 1st (monthly), SEND_HOUR local."""
    zone = _zone(organization)
    local = after.astimezone(zone)
    day = local.date()
    while True:
        if frequency == ReportFrequency.WEEKLY:
            day = day + dt.timedelta(days=(7 - day.weekday()) % 7)
        else:
            day = day if day.day == 1 else (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        candidate = dt.datetime.combine(day, dt.time(SEND_HOUR), tzinfo=zone)
        if candidate > after:
            return candidate.astimezone(dt.UTC)
        day = day + dt.timedelta(days=1)


def _check_schedule(
    *,
    owner: Membership,
    spec: ReportSpec,
    period: str,
    account: Account | None,
    recipients: Iterable[Membership],
) -> list[Membership]:
    _check_params(membership=owner, spec=spec, period=period, account_id=account.pk if account else None)
    chosen = list(recipients)
    if not chosen:
        raise ValidationError({"recipients": "Choose at least one recipient."})
    for member in chosen:
        if not recipient_allowed(owner=owner, recipient=member, spec=spec):
            name = member.user.get_full_name() or member.user.email
            owner_name = owner.user.get_full_name() or owner.user.email
            raise ValidationError({"recipients": RECIPIENT_REFUSED.format(name=name, owner=owner_name)})
    return chosen


@transaction.atomic
def report_schedule_create(
    *,
    owner: Membership,
    actor,
    name: str,
    report: str,
    period: str,
    frequency: str,
    fmt: str,
    recipients: Iterable[Membership],
    account: Account | None = None,
) -> ReportSchedule:
    """Schedule `report` for `owner` (their scope), mailed to `recipients`; audited."""
    spec = _spec(report)
    chosen = _check_schedule(owner=owner, spec=spec, period=period, account=account, recipients=recipients)
    organization = owner.organization
    schedule = ReportSchedule(
        organization=organization,
        name=name,
        report=report,
        period=period,
        account=account if spec.needs_account else None,
        frequency=frequency,
        fmt=fmt,
        owner=owner.user,
        next_run_at=next_run_after(frequency=frequency, after=timezone.now(), organization=organization),
    )
    schedule.full_clean()
    schedule.save()
    ReportRecipient.objects.bulk_create([ReportRecipient(schedule=schedule, membership=m) for m in chosen])
    audit_record(
        organization=organization,
        actor=actor,
        action="report_schedule.create",
        obj=schedule,
        after={
            "name": name,
            "report": report,
            "period": period,
            "frequency": frequency,
            "format": fmt,
            "recipients": sorted(m.user.email for m in chosen),
        },
    )
    return schedule


@transaction.atomic
def report_schedule_delete(*, schedule: ReportSchedule, actor) -> None:
    """Stop and remove a schedule (its sent files stay with their jobs); audited."""
    audit_record(
        organization=schedule.organization,
        actor=actor,
        action="report_schedule.delete",
        obj=schedule,
        before={"name": schedule.name, "report": schedule.report, "frequency": schedule.frequency},
    )
    schedule.delete()


def report_schedules_run_due(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Queue a job for every active schedule whose time has come (run by the beat entry)."""
    now = now or timezone.now()
    queued = 0
    due = ReportSchedule.objects.filter(is_active=True, next_run_at__lte=now).select_related("organization")
    for schedule in due:
        following = next_run_after(
            frequency=schedule.frequency, after=now, organization=schedule.organization
        )
        with transaction.atomic():
            # Another beat (or a retry) got there first when no row changed: it queued the job.
            claimed = ReportSchedule.objects.filter(pk=schedule.pk, next_run_at=schedule.next_run_at).update(
                next_run_at=following
            )
            if not claimed:
                continue
            job_enqueue(
                organization=schedule.organization,
                kind=REPORT_KIND,
                idempotency_key=f"report-schedule:{schedule.pk}:{schedule.next_run_at:%Y%m%dT%H%M}",
                params={
                    "report": schedule.report,
                    "format": schedule.fmt,
                    "period": schedule.period,
                    "account": schedule.account_id,
                    "schedule": schedule.pk,
                },
                started_by=schedule.owner,
            )
            queued += 1
    return {"queued": queued}


@transaction.atomic
def report_schedule_update(*, schedule: ReportSchedule, actor, data: dict) -> ReportSchedule:
    """Change a schedule's name, period, frequency, format or pause it; audited. A new
    frequency moves the next send to that frequency's next date."""
    from revops.services.crm import record_update

    if "period" in data and data["period"] not in PeriodChoice.values:
        raise ValidationError({"period": f"Unknown period {data['period']!r}."})
    if "frequency" in data and data["frequency"] != schedule.frequency:
        data = {
            **data,
            "next_run_at": next_run_after(
                frequency=data["frequency"], after=timezone.now(), organization=schedule.organization
            ),
        }
    return record_update(instance=schedule, actor=actor, data=data)
