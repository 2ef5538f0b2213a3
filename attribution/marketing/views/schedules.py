"""Schedule pages: the list (last run, next due), create, edit, enable/disable, run now.

Only members who may run configurations (`MarketingCap.RUN`) change schedules; the list is for
everyone with the marketing pages. "Run now" queues the run the nightly start would queue
(a JobRun computed by a worker), never computing in the request.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from attribution.marketing.forms import ScheduleForm
from attribution.marketing.models import ConfigSchedule
from attribution.marketing.permissions import MarketingCap
from attribution.marketing.selectors.schedules import (
    schedulable_config_names,
    schedule_get,
    schedule_list,
    schedule_rows,
)
from attribution.marketing.services.schedules import config_schedule_run_now, config_schedule_set
from revops.exceptions import ApplicationError
from revops.permissions import cap_required, has_cap
from revops.selectors.periods import organization_today
from revops.tenancy import MemberRequest


@require_safe
@cap_required(MarketingCap.VIEW)
def schedule_list_view(request: MemberRequest) -> HttpResponse:
    membership = request.membership
    organization = membership.organization
    _filterset, schedules = schedule_list(organization=organization)
    context = {
        "rows": schedule_rows(schedules=schedules, today=organization_today(organization)),
        "can_manage": has_cap(membership, MarketingCap.RUN),
    }
    return render(request, "marketing/schedules.html", context)


def _save(request: MemberRequest, form: ScheduleForm, config_name: str) -> ConfigSchedule | None:
    """The service's answer, or None with its errors on the form's fields."""
    try:
        return config_schedule_set(
            organization=request.membership.organization,
            actor=request.user,
            config_name=config_name,
            frequency=form.cleaned_data["frequency"],
            window_days=form.cleaned_data["window_days"],
            enabled=form.cleaned_data["enabled"],
        )
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
        for field, problems in errors.items():
            target = field if field in form.fields else None
            for problem in problems:
                form.add_error(target, problem if target else f"{field}: {problem}")
        return None


@require_http_methods(["GET", "HEAD", "POST"])
@cap_required(MarketingCap.RUN)
def schedule_create_view(request: MemberRequest) -> HttpResponse:
    organization = request.membership.organization
    taken = set(
        ConfigSchedule.objects.filter(organization=organization).values_list("config_name", flat=True)
    )
    form = ScheduleForm(
        request.POST or None, config_names=schedulable_config_names(organization=organization), taken=taken
    )
    if request.method == "POST" and form.is_valid():
        schedule = _save(request, form, form.cleaned_data["config_name"])
        if schedule is not None:
            messages.success(request, f"{schedule} scheduled.")
            return redirect("marketing:schedules")
    status = 400 if request.method == "POST" else 200
    return render(request, "marketing/schedule_form.html", {"form": form, "schedule": None}, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@cap_required(MarketingCap.RUN)
def schedule_edit_view(request: MemberRequest, pk: int) -> HttpResponse:
    schedule = schedule_get(organization=request.membership.organization, pk=pk)
    initial = {
        "frequency": schedule.frequency,
        "window_days": schedule.window_days,
        "enabled": schedule.enabled,
    }
    form = ScheduleForm(request.POST or None, initial=initial, config_names=[], editing=True)
    if request.method == "POST" and form.is_valid():
        saved = _save(request, form, schedule.config_name)
        if saved is not None:
            messages.success(request, f"{saved} saved.")
            return redirect("marketing:schedules")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "marketing/schedule_form.html", {"form": form, "schedule": schedule}, status=status
    )


@require_POST
@cap_required(MarketingCap.RUN)
def schedule_enable_view(request: MemberRequest, pk: int) -> HttpResponse:
    """Turn the schedule on (`enabled=1`) or off (`enabled=0`); asking for its state is a no-op."""
    schedule = schedule_get(organization=request.membership.organization, pk=pk)
    enabled = request.POST.get("enabled") == "1"
    try:
        config_schedule_set(
            organization=request.membership.organization,
            actor=request.user,
            config_name=schedule.config_name,
            frequency=schedule.frequency,
            window_days=schedule.window_days,
            enabled=enabled,
        )
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    else:
        messages.success(request, f"{schedule.config_name}: schedule {'enabled' if enabled else 'disabled'}.")
    return redirect("marketing:schedules")


@require_POST
@cap_required(MarketingCap.RUN)
def schedule_run_now_view(request: MemberRequest, pk: int) -> HttpResponse:
    organization = request.membership.organization
    schedule = schedule_get(organization=organization, pk=pk)
    try:
        run, _job = config_schedule_run_now(organization=organization, actor=request.user, schedule=schedule)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{run} queued.")
    return redirect("marketing:schedules")
