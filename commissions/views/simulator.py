"""Plan simulator: finance tries draft terms on a plan and sees every rep's commission for a month
under the draft and as the plans stand, without saving anything.

GET with the form's fields simulates in the request when the plan's reps have at most
`SYNC_ROWS` transactions; larger simulations are offered as a job (POST
`commissions:simulator-run`), whose page (`?job=<id>`) polls until the result is there.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from commissions.engine import ObjectivePeriod, Semantics
from commissions.forms import SimulatorForm
from commissions.models import CommissionPlan, CommissionPlanVersion
from commissions.permissions import CommissionCap
from commissions.selectors.simulator import (
    SIMULATE_KIND,
    SYNC_ROWS,
    Draft,
    Simulation,
    simulate,
    simulation_reps,
    simulation_size,
)
from commissions.services.jobs import simulation_enqueue
from revops.htmx import render_page_or_partial
from revops.permissions import cap_required
from revops.selectors.jobs import job_get
from revops.selectors.periods import organization_today
from revops.tenancy import MemberRequest
from revops.web.jobs import POLL_SECONDS

PAGE = "commissions/simulator.html"
RESULT = "commissions/partials/simulation_result.html"


def _initial(request: MemberRequest) -> dict:
    """The first plan's terms in force this month, as the form's starting point."""
    month = organization_today(request.organization).replace(day=1)
    plan = CommissionPlan.objects.filter(organization=request.organization).order_by("name").first()
    initial: dict = {"month": month.strftime("%Y-%m"), "objectives_percent": 100}
    if plan is not None:
        version = (
            CommissionPlanVersion.objects.filter(plan=plan, effective_from__lte=month)
            .order_by("-effective_from")
            .first()
            or plan.versions.order_by("effective_from").first()
        )
        initial["plan"] = plan.pk
        if version is not None:
            initial |= {
                "tier1_rate": version.tier1_rate,
                "tier2_rate": version.tier2_rate,
                "semantics": version.semantics,
                "objective_period": version.objective_period,
            }
    return initial


def _draft(form: SimulatorForm) -> Draft:
    data = form.cleaned_data
    return Draft(
        plan_id=data["plan"].pk,
        month=data["month"],
        tier1_rate=data["tier1_rate"],
        tier2_rate=data["tier2_rate"],
        semantics=Semantics(data["semantics"]),
        objective_period=ObjectivePeriod(data["objective_period"]),
        objectives_percent=data["objectives_percent"],
    )


@require_safe
@cap_required(CommissionCap.PLAN_EDIT)
def simulator_view(request: MemberRequest) -> HttpResponse:
    organization = request.organization
    context: dict = {"simulation": None, "job": None, "too_large": None, "poll_seconds": POLL_SECONDS}
    if request.GET.get("job"):
        job = job_get(organization=organization, pk=request.GET["job"] if request.GET["job"].isdigit() else 0)
        if job.kind != SIMULATE_KIND:
            raise Http404
        form = SimulatorForm({k: v for k, v in job.params.items() if k != "reps"}, organization=organization)
        context["job"] = job
        if job.status == job.Status.SUCCEEDED:
            context["simulation"] = Simulation.from_counts(job.counts)
    elif "plan" in request.GET:
        form = SimulatorForm(request.GET, organization=organization)
        if form.is_valid():
            draft = _draft(form)
            plan = form.cleaned_data["plan"]
            reps = simulation_reps(membership=request.membership, plan=plan, month=draft.month)
            size = simulation_size(organization=organization, rep_ids=reps, month=draft.month)
            if size > SYNC_ROWS:
                context["too_large"] = size
            else:
                context["simulation"] = simulate(
                    organization=organization, plan=plan, draft=draft, rep_ids=reps
                )
    else:
        form = SimulatorForm(initial=_initial(request), organization=organization)
    context["form"] = form
    return render_page_or_partial(request, PAGE, RESULT, context)


@require_POST
@cap_required(CommissionCap.PLAN_EDIT)
def simulator_run_view(request: MemberRequest) -> HttpResponse:
    """Queue a simulation too large for the page; its page shows the result when done."""
    form = SimulatorForm(request.POST, organization=request.organization)
    if not form.is_valid():
        query = urlencode({k: v for k, v in request.POST.items() if k != "csrfmiddlewaretoken"})
        return redirect(f"{reverse('commissions:simulator')}?{query}")
    draft = _draft(form)
    reps = simulation_reps(membership=request.membership, plan=form.cleaned_data["plan"], month=draft.month)
    job, _queued = simulation_enqueue(
        organization=request.organization, actor=request.user, draft=draft, rep_ids=reps
    )
    return redirect(f"{reverse('commissions:simulator')}?job={job.pk}")
