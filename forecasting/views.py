"""Forecasting pages: risk dashboard, deal intelligence, forecast (with calls), win model."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from forecasting import charts
from forecasting.filters import DealScoreFilterSet
from forecasting.forms import AdjustForm, CallForm, TargetForm
from forecasting.models import ForecastCall, ModelVersion
from forecasting.permissions import ForecastCap
from forecasting.selectors.forecast import call_list, call_rows, forecast_view, probability_at_least
from forecasting.selectors.narratives import deal_analysis
from forecasting.selectors.rollup import forecast_rollup
from forecasting.selectors.scores import deal_intel, model_versions, risk_list, risk_summary
from forecasting.services.calls import call_adjust, call_submit
from forecasting.services.modelling import SCORE_KIND, SNAPSHOT_KIND, TRAIN_KIND
from revops.htmx import render_page_or_partial
from revops.models import JobRun
from revops.permissions import cap_required, has_cap
from revops.services.jobs import job_enqueue
from revops.tenancy import MemberRequest
from revops.web.exports import export_dispatch

PAGE_SIZE = 50
JOB_KINDS = {"train": TRAIN_KIND, "score": SCORE_KIND, "snapshot": SNAPSHOT_KIND}


@require_safe
@cap_required(ForecastCap.VIEW)
def risk_view(request: MemberRequest) -> HttpResponse:
    """Open deals by risk × value, with the model that scored them."""
    exported = export_dispatch(request, "forecasting-risk")
    if exported is not None:
        return exported
    membership = request.membership
    filterset = DealScoreFilterSet(
        request.GET, queryset=risk_list(membership=membership, sort=request.GET.get("sort", ""))
    )
    scores = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    page = Paginator(scores, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "filterset": filterset,
        "page_obj": page,
        "summary": risk_summary(scores=scores, membership=membership),
        "sort": request.GET.get("sort", "-risk_value"),
        "can_train": has_cap(membership, ForecastCap.TRAIN),
        "jobs": _recent_jobs(request) if has_cap(membership, ForecastCap.TRAIN) else [],
    }
    return render_page_or_partial(
        request, "forecasting/risk.html", "forecasting/partials/risk_table.html", context
    )


def _recent_jobs(request: MemberRequest) -> list[JobRun]:
    return list(
        JobRun.objects.filter(organization=request.organization, kind__in=list(JOB_KINDS.values())).order_by(
            "-created_at"
        )[:3]
    )


@require_safe
@cap_required(ForecastCap.VIEW)
def deal_view(request: MemberRequest, pk: int) -> HttpResponse:
    """One deal: probability with its history, drivers, actions, time-to-close band, analysis
    (a language model's checked rewording when one was made after scoring; never asked here)."""
    intel = deal_intel(membership=request.membership, opportunity_id=pk)
    context = {"intel": intel, "score": intel.current, "chart": charts.probability_history(intel.history)}
    if intel.current is not None:
        context["analysis"] = deal_analysis(score=intel.current)
        base = intel.current.as_of
        context["close_band"] = [
            base + timezone.timedelta(days=d)
            for d in (intel.current.days_p10, intel.current.days_p50, intel.current.days_p90)
        ]
    return render_page_or_partial(
        request, "forecasting/deal.html", "forecasting/partials/deal_body.html", context
    )


@require_safe
@cap_required(ForecastCap.VIEW)
def forecast_page_view(request: MemberRequest) -> HttpResponse:
    """Monte Carlo P10/P50/P90 per period, fan chart, target, velocity, calls, the roll-up with
    quotas (``?under=<membership id>``: that member and their direct reports) and changes."""
    exported = export_dispatch(request, "forecasting-forecast")
    if exported is not None:
        return exported
    membership = request.membership
    view = forecast_view(membership=membership)
    target_form = TargetForm(request.GET)
    target = target_form.cleaned_data.get("target") if target_form.is_valid() else None
    rollup = forecast_rollup(membership=membership, period=view.quarter, snapshot=view.snapshot)
    focus = rollup.focus(_int_or_none(request.GET.get("under")))
    # The calls table lists the calls of the members the roll-up shows (one level at a time).
    shown = [node.membership.user_id for node, _ in focus.rows]
    calls = call_rows(
        calls=call_list(membership=membership, period=view.quarter).filter(owner_id__in=shown),
        snapshot=view.snapshot,
    )
    quarter_row = next((p for p in view.periods if p["label"] == view.quarter.label), None)
    reference = quarter_row or view.mine
    own_call = next((n.call for n in rollup.rows if n.membership.user_id == membership.user_id), None)
    context = {
        "view": view,
        "snapshot": view.snapshot,
        "fan": charts.fan_chart(view.snapshot.baseline.get("fan", []))
        if view.snapshot and view.periods
        else "",
        "target": target,
        "target_form": target_form,
        "probability_of_target": probability_at_least(reference["percentiles"], float(target))
        if reference and target is not None
        else None,
        "quarter_row": reference,
        "calls": calls,
        "rollup": rollup,
        "focus": focus,
        "own_call": own_call,
        "call_form": CallForm(
            initial={
                "commit": own_call.commit,
                "best_case": own_call.best_case,
                "pipeline": own_call.pipeline,
                "note": own_call.note,
            }
            if own_call
            else None
        ),
        "can_call": has_cap(membership, ForecastCap.CALL),
        "can_adjust": has_cap(membership, ForecastCap.ADJUST),
        "can_train": has_cap(membership, ForecastCap.TRAIN),
    }
    return render_page_or_partial(
        request, "forecasting/forecast.html", "forecasting/partials/forecast_body.html", context
    )


def _int_or_none(value: str | None) -> int | None:
    """A member id from the query string; anything else shows the top of the roll-up."""
    return int(value) if value and value.isdigit() else None


@require_safe
@cap_required(ForecastCap.VIEW)
def model_view(request: MemberRequest) -> HttpResponse:
    """The active model's holdout metrics, reliability diagram, feature importance and history."""
    versions = list(model_versions(membership=request.membership))
    active = next((v for v in versions if v.status == ModelVersion.Status.ACTIVE), None)
    context = {
        "versions": versions,
        "active": active,
        "reliability": charts.reliability_diagram(active.reliability) if active else "",
        "importance": charts.importance_bars(active.importance) if active else "",
        "can_train": has_cap(request.membership, ForecastCap.TRAIN),
    }
    return render(request, "forecasting/model.html", context)


@require_POST
@cap_required(ForecastCap.TRAIN)
def job_start_view(request: MemberRequest, kind: str) -> HttpResponse:
    """Queue training, scoring or a snapshot as a JobRun (a double click queues one)."""
    job_kind = JOB_KINDS.get(kind)
    if job_kind is None:
        raise Http404
    minute = timezone.now().strftime("%Y%m%d%H%M")
    params = {"kind": "manual"} if kind == "snapshot" else {}
    job, created = job_enqueue(
        organization=request.organization,
        kind=job_kind,
        idempotency_key=f"{kind}-{minute}",
        params=params,
        started_by=request.user,
    )
    if created:
        messages.success(request, f"Queued: {kind} (job #{job.pk}).")
    return HttpResponseRedirect(reverse("forecasting:model" if kind == "train" else "forecasting:risk"))


@require_POST
@cap_required(ForecastCap.CALL)
def call_submit_view(request: MemberRequest) -> HttpResponse:
    view = forecast_view(membership=request.membership)
    form = CallForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    else:
        call_submit(membership=request.membership, period=view.quarter, **form.cleaned_data)
        messages.success(request, f"Your call for {view.quarter.label} is saved.")
    return HttpResponseRedirect(reverse("forecasting:forecast"))


@require_POST
@cap_required(ForecastCap.ADJUST)
def call_adjust_view(request: MemberRequest, pk: int) -> HttpResponse:
    form = AdjustForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return HttpResponseRedirect(reverse("forecasting:forecast"))
    try:
        call_adjust(
            membership=request.membership,
            call_id=pk,
            adjusted_commit=form.cleaned_data["adjusted_commit"],
            reason=form.cleaned_data["reason"],
        )
    except ForecastCall.DoesNotExist as exc:
        raise Http404 from exc
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Adjustment saved.")
    return HttpResponseRedirect(reverse("forecasting:forecast"))
