"""Plan simulator: every rep's commission for a month under draft terms vs the plans as they stand,
hand-computed, nothing saved; large simulations run as a job; finance and admins only."""

from decimal import Decimal

import pytest
from django.urls import reverse

from commissions.models import CommissionPlanVersion, CommissionStatement
from commissions.services.statements import statements_compute
from revops.models import JobRun
from tests.commissions.conftest import JAN

pytestmark = pytest.mark.django_db

PAGE = reverse("commissions:simulator")
RUN = reverse("commissions:simulator-run")


def _form(plan, **changes):
    data = {
        "plan": plan.pk,
        "month": "2026-01",
        "tier1_rate": "5",
        "tier2_rate": "8",
        "semantics": "marginal",
        "objective_period": "month",
        "objectives_percent": "100",
    }
    return data | changes


@pytest.fixture
def plan_ap(commission_book):
    _lines, plans = commission_book
    return plans["AP"]


def test_a_higher_tier_2_rate_pays_the_rep_above_the_objective_more(
    org, rep, finance_admin, plan_ap, client_for
):
    # given: A/P pays the rep 5 % to January's 10,000 objective and 8 % above; 13,000 sold
    statements_compute(organization=org, actor=finance_admin.user, month=JAN)
    statement = CommissionStatement.objects.get(rep=rep.user, month=JAN)
    versions = CommissionPlanVersion.objects.count()
    # when: tier 2 at 10 %
    response = client_for(finance_admin).get(PAGE, _form(plan_ap, tier2_rate="10"))
    # then: the current figure is the statement's; the draft pays 3,000 × 2 % = 60 more
    simulation = response.context["simulation"]
    assert [(r.name, r.current, r.draft, r.difference) for r in simulation.rows] == [
        (
            rep.user.get_full_name() or rep.user.email,
            statement.total,
            statement.total + Decimal("60.00"),
            Decimal("60.00"),
        )
    ]
    assert simulation.difference == Decimal("60.00")
    assert CommissionPlanVersion.objects.count() == versions
    assert CommissionStatement.objects.count() == 2


def test_raising_the_objectives_and_going_retroactive(org, rep, finance_admin, plan_ap, client_for):
    # when: objectives × 130 % (13,000: just reached) and retroactive
    higher = client_for(finance_admin).get(PAGE, _form(plan_ap, objectives_percent="130"))
    retro = client_for(finance_admin).get(PAGE, _form(plan_ap, semantics="retroactive"))
    # then: marginal at 13,000: 13,000 × 5 % = 650 instead of 740 (−90);
    # retroactive at 10,000: 13,000 × 8 % = 1,040 (+300)
    assert higher.context["simulation"].rows[0].difference == Decimal("-90.00")
    assert retro.context["simulation"].rows[0].difference == Decimal("300.00")


def test_a_large_simulation_runs_as_a_job(
    org, rep, finance_admin, plan_ap, client_for, monkeypatch, django_capture_on_commit_callbacks
):
    # given: the page keeps nothing above 2 transactions in the request
    monkeypatch.setattr("commissions.views.simulator.SYNC_ROWS", 2)
    client = client_for(finance_admin)
    offered = client.get(PAGE, _form(plan_ap, tier2_rate="10"))
    assert offered.context["too_large"] == 3  # the rep's January sales: 6,000 and 7,000 on P, 6,000 on Q
    assert offered.context["simulation"] is None
    # when
    with django_capture_on_commit_callbacks(execute=True):
        queued = client.post(RUN, _form(plan_ap, tier2_rate="10"))
    # then
    job = JobRun.objects.get(kind="commissions.simulate")
    assert queued.status_code == 302 and queued["Location"] == f"{PAGE}?job={job.pk}"
    assert job.status == JobRun.Status.SUCCEEDED
    shown = client.get(PAGE, {"job": job.pk})
    assert shown.context["simulation"].difference == Decimal("60.00")


@pytest.mark.parametrize("actor", ["rep", "manager"])
def test_only_finance_and_admins_simulate(request, actor, plan_ap, client_for):
    # when
    response = client_for(request.getfixturevalue(actor)).get(PAGE, _form(plan_ap))
    # then
    assert response.status_code == 403
    assert not JobRun.objects.exists()
