"""Marketing attribution pages: model comparison, channel performance, runs, run against run, journeys."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from attribution.marketing import charts
from attribution.marketing.forms import RunForm
from attribution.marketing.permissions import MarketingCap
from attribution.marketing.selectors.paths import path_set_get
from attribution.marketing.selectors.results import (
    channel_performance,
    journey_detail,
    journey_list,
    model_comparison,
    reporting_run,
    run_compare,
    run_get,
    run_list,
)
from attribution.marketing.services.runs import run_create, run_promote
from revops.exceptions import ApplicationError
from revops.htmx import render_page_or_partial
from revops.permissions import cap_required, has_cap
from revops.selectors.periods import organization_today
from revops.tenancy import MemberRequest
from revops.web.exports import export_dispatch

RUN_LIST_SIZE = 50


@require_safe
@cap_required(MarketingCap.VIEW)
def comparison_view(request: MemberRequest) -> HttpResponse:
    exported = export_dispatch(request, "marketing-comparison")
    if exported is not None:
        return exported
    comparison = model_comparison(organization=request.membership.organization)
    context = {"comparison": comparison, "chart": charts.comparison_bars(comparison)}
    return render(request, "marketing/comparison.html", context)


@require_safe
@cap_required(MarketingCap.VIEW)
def channels_view(request: MemberRequest) -> HttpResponse:
    exported = export_dispatch(request, "marketing-channels")
    if exported is not None:
        return exported
    organization = request.membership.organization
    run = (
        run_get(organization=organization, pk=request.GET["run"])
        if request.GET.get("run")
        else reporting_run(organization=organization)
    )
    context = {
        "run": run,
        "rows": channel_performance(run=run) if run else [],
        "runs": run_list(organization=organization).filter(status="done")[:RUN_LIST_SIZE],
    }
    return render_page_or_partial(
        request, "marketing/channels.html", "marketing/partials/channel_table.html", context
    )


@require_safe
@cap_required(MarketingCap.VIEW)
def runs_view(request: MemberRequest) -> HttpResponse:
    membership = request.membership
    organization = membership.organization
    today = organization_today(organization)
    # From a path set's page: the form offers the configurations that run on that set.
    path_set = (
        path_set_get(organization=organization, pk=request.GET["path_set"])
        if request.GET.get("path_set")
        else None
    )
    form = RunForm(
        organization=organization,
        path_set=path_set,
        initial={"window_start": today - dt.timedelta(days=365), "window_end": today},
    )
    context = {
        "runs": run_list(organization=organization)[:RUN_LIST_SIZE],
        "form": form,
        "path_set": path_set,
        "can_run": has_cap(membership, MarketingCap.RUN),
        "can_promote": has_cap(membership, MarketingCap.PROMOTE),
    }
    return render(request, "marketing/runs.html", context)


@require_POST
@cap_required(MarketingCap.RUN)
def run_create_view(request: MemberRequest) -> HttpResponse:
    organization = request.membership.organization
    form = RunForm(request.POST, organization=organization)
    if form.is_valid():
        try:
            run, _job = run_create(
                organization=organization,
                config=form.cleaned_data["config"],
                actor=request.user,
                window_start=form.cleaned_data["window_start"],
                window_end=form.cleaned_data["window_end"],
            )
        except ApplicationError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"{run} queued.")
    else:
        messages.error(request, "; ".join(e for errors in form.errors.values() for e in errors))
    return redirect("marketing:runs")


@require_POST
@cap_required(MarketingCap.PROMOTE)
def run_promote_view(request: MemberRequest, pk: int) -> HttpResponse:
    run = run_get(organization=request.membership.organization, pk=pk)
    try:
        run_promote(run=run, actor=request.user)
    except ApplicationError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{run} is now the run finance reports on.")
    return redirect("marketing:runs")


@require_safe
@cap_required(MarketingCap.VIEW)
def run_compare_view(request: MemberRequest) -> HttpResponse:
    organization = request.membership.organization
    runs = run_list(organization=organization).filter(status="done")[:RUN_LIST_SIZE]
    comparison = None
    if request.GET.get("a") and request.GET.get("b"):
        comparison = run_compare(
            a=run_get(organization=organization, pk=request.GET["a"]),
            b=run_get(organization=organization, pk=request.GET["b"]),
        )
    return render(request, "marketing/compare.html", {"runs": runs, "comparison": comparison})


@require_safe
@cap_required(MarketingCap.JOURNEYS)
def journeys_view(request: MemberRequest) -> HttpResponse:
    run = reporting_run(organization=request.membership.organization)
    journeys = journey_list(membership=request.membership, run=run)
    return render(request, "marketing/journeys.html", {"run": run, "journeys": journeys})


@require_safe
@cap_required(MarketingCap.JOURNEYS)
def journey_view(request: MemberRequest, pk: int) -> HttpResponse:
    detail = journey_detail(membership=request.membership, opportunity_id=pk)
    return render(request, "marketing/journey.html", {"detail": detail})
