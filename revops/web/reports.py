"""The reports page: choose a report, period and format and generate it (a job), follow it,
download it; schedule it by e-mail to chosen members."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from revops.htmx import render_page_or_partial
from revops.models import (
    Account,
    JobRun,
    Membership,
    ReportFormat,
    ReportFrequency,
    ReportSchedule,
    Role,
)
from revops.permissions import Cap, Kind, cap_required, scoped
from revops.reports.kit import report_specs
from revops.selectors.periods import DEFAULT_PERIOD, PeriodChoice
from revops.services.reports import (
    CONTENT_TYPES,
    REPORT_KIND,
    report_allowed,
    report_enqueue,
    report_file_open,
    report_schedule_create,
    report_schedule_delete,
)
from revops.tenancy import MemberRequest

POLL_SECONDS = 1
RECENT = 20
# The account choice lists at most this many accounts (by name); the drilldown of another is
# reached from its account page's link, which fills the choice.
ACCOUNT_CHOICES = 500


def _accounts(membership: Membership):
    visible = scoped(
        Account.objects.filter(organization=membership.organization), membership, kind=Kind.ACCOUNT
    )
    return visible.order_by("name", "pk")


class ReportForm(forms.Form):
    report = forms.ChoiceField()
    period = forms.ChoiceField(choices=PeriodChoice.choices, initial=DEFAULT_PERIOD)
    account = forms.ModelChoiceField(
        queryset=Account.objects.none(), required=False, help_text="For the account drilldown."
    )
    format = forms.ChoiceField(choices=ReportFormat.choices, initial=ReportFormat.PDF)

    def __init__(self, *args, membership: Membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["report"].choices = [  # type: ignore[attr-defined]
            (s.key, s.label) for s in report_specs() if report_allowed(membership, s)
        ]
        self.fields["account"].queryset = _accounts(membership)  # type: ignore[attr-defined]


class ScheduleForm(ReportForm):
    name = forms.CharField(max_length=120)
    frequency = forms.ChoiceField(choices=ReportFrequency.choices)
    recipients = forms.ModelMultipleChoiceField(
        queryset=Membership.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, membership: Membership, **kwargs):
        super().__init__(*args, membership=membership, **kwargs)
        self.fields["recipients"].queryset = (  # type: ignore[attr-defined]
            Membership.objects.filter(organization=membership.organization, is_active=True)
            .exclude(role=Role.PARTNER)
            .select_related("user")
            .order_by("user__email")
        )
        recipients = self.fields["recipients"]
        recipients.label_from_instance = lambda m: (  # type: ignore[attr-defined]
            f"{m.user.get_full_name() or m.user.email} ({m.get_role_display()})"
        )


def _jobs(request: MemberRequest):
    return JobRun.objects.filter(
        organization=request.organization, kind=REPORT_KIND, started_by=request.user.pk
    )


def _schedules(request: MemberRequest):
    """A member's own schedules; admins see (and may stop) every schedule of the organization."""
    schedules = ReportSchedule.objects.filter(organization=request.organization)
    if request.membership.role != Role.ADMIN:
        schedules = schedules.filter(Q(owner=request.user))
    return schedules.select_related("owner", "account").prefetch_related("recipients__user")


def _page(
    request: MemberRequest, form: ReportForm, schedule_form: ScheduleForm, status: int = 200
) -> HttpResponse:
    labels = {s.key: s.label for s in report_specs()}
    jobs = list(_jobs(request)[:RECENT])
    schedules = list(_schedules(request))
    for row in [*jobs, *schedules]:
        key = row.params.get("report") if isinstance(row, JobRun) else row.report
        row.report_label = labels.get(key, key)
    context = {
        "form": form,
        "schedule_form": schedule_form,
        "specs": [s for s in report_specs() if report_allowed(request.membership, s)],
        "jobs": jobs,
        "schedules": schedules,
    }
    return render(request, "revops/reports.html", context, status=status)


def _params(form: ReportForm) -> dict:
    account = form.cleaned_data.get("account")
    return {
        "report": form.cleaned_data["report"],
        "period": form.cleaned_data["period"],
        "fmt": form.cleaned_data["format"],
        "account_id": account.pk if account else None,
    }


@cap_required(Cap.EXPORT)
def reports_view(request: MemberRequest) -> HttpResponse:
    """GET: the page; POST: queue the chosen report and show its progress."""
    membership = request.membership
    if request.method != "POST":
        # The account page's "Drilldown report" link fills the account (the choice lists only
        # accounts the member may see, so another id is simply not offered).
        account = request.GET.get("account", "")
        initial = {"report": "account-drilldown", "account": account} if account.isdigit() else None
        return _page(
            request, ReportForm(membership=membership, initial=initial), ScheduleForm(membership=membership)
        )
    form = ReportForm(request.POST, membership=membership)
    if form.is_valid():
        try:
            job = report_enqueue(membership=membership, actor=request.user, **_params(form))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("revops:report-job", pk=job.pk)
    return _page(request, form, ScheduleForm(membership=membership), status=400)


@require_POST
@cap_required(Cap.EXPORT)
def report_schedule_create_view(request: MemberRequest) -> HttpResponse:
    membership = request.membership
    form = ScheduleForm(request.POST, membership=membership)
    if form.is_valid():
        params = _params(form)
        try:
            report_schedule_create(
                owner=membership,
                actor=request.user,
                name=form.cleaned_data["name"],
                report=params["report"],
                period=params["period"],
                frequency=form.cleaned_data["frequency"],
                fmt=params["fmt"],
                recipients=form.cleaned_data["recipients"],
                account=form.cleaned_data.get("account"),
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            return redirect("revops:reports")
    return _page(request, ReportForm(membership=membership), form, status=400)


@require_POST
@cap_required(Cap.EXPORT)
def report_schedule_delete_view(request: MemberRequest, pk: int) -> HttpResponse:
    schedule = get_object_or_404(_schedules(request), pk=pk)
    report_schedule_delete(schedule=schedule, actor=request.user)
    return redirect("revops:reports")


@require_safe
@cap_required(Cap.EXPORT)
def report_job_view(request: MemberRequest, pk: int) -> HttpResponse:
    """A report's progress (polling itself), then its download; only for whoever asked for it."""
    job = get_object_or_404(_jobs(request), pk=pk)
    labels = {s.key: s.label for s in report_specs()}
    context = {
        "job": job,
        "poll_seconds": POLL_SECONDS,
        "label": labels.get(job.params.get("report"), "Report"),
    }
    return render_page_or_partial(
        request, "revops/report_job.html", "revops/partials/report_job.html", context
    )


@require_safe
@cap_required(Cap.EXPORT)
def report_download_view(request: MemberRequest, pk: int) -> FileResponse:
    job = get_object_or_404(_jobs(request), pk=pk)
    if job.status != JobRun.Status.SUCCEEDED or "file" not in (job.counts or {}):
        raise Http404
    return FileResponse(
        report_file_open(job=job),
        as_attachment=True,
        filename=job.counts["filename"],
        content_type=CONTENT_TYPES[ReportFormat(job.params["format"])],
    )
