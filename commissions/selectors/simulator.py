"""Plan simulator: every rep's commission for a month under draft terms of a plan vs its current terms.

Nothing is saved. The reps are those assigned to the plan in the month (in the member's
scope); for each, the engine runs twice over the same sales from the start of the fiscal
year: once as the plans stand, once with the plan's terms replaced by the draft (rates,
semantics, window; over the whole fiscal year, so windows stay consistent) and, when asked,
that plan's objectives scaled by a percentage. A rep's figure is their total commission for
the month over all their product lines (other plans unchanged), so the difference is what the
change would do to their statement. Adjustments already granted are left out of both.

Bounded: the engine reads only those reps' transactions; past SYNC_ROWS of them the page
runs the simulation as a JobRun (`simulation_run`, kind `commissions.simulate`) and shows
its result when done.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q

from commissions.engine import Basis, ObjectivePeriod, PlanTerms, Semantics, compute_commissions
from commissions.models import CommissionPlan, PlanAssignment, SalesTransaction
from commissions.permissions import CommissionKind
from commissions.selectors.inputs import engine_inputs, fiscal_year_start, month_end
from revops.models import Membership, Organization, User
from revops.permissions import scope_user_ids

ZERO = Decimal("0.00")
SIMULATE_KIND = "commissions.simulate"
# Above this many transactions of the plan's reps the simulation leaves the request for a job:
# two engine runs over ~100,000 rows take about a second; the reads dominate beyond.
SYNC_ROWS = 100_000


@dataclass(frozen=True)
class Draft:
    """The terms being tried on a plan for one month."""

    plan_id: int
    month: dt.date
    tier1_rate: Decimal
    tier2_rate: Decimal
    semantics: Semantics
    objective_period: ObjectivePeriod
    objectives_percent: Decimal = Decimal(100)  # the plan's objectives × this ÷ 100

    def as_params(self) -> dict[str, str]:
        return {
            "plan": str(self.plan_id),
            "month": self.month.isoformat(),
            "tier1_rate": str(self.tier1_rate),
            "tier2_rate": str(self.tier2_rate),
            "semantics": self.semantics.value,
            "objective_period": self.objective_period.value,
            "objectives_percent": str(self.objectives_percent),
        }

    @classmethod
    def from_params(cls, params: dict) -> Draft:
        return cls(
            plan_id=int(params["plan"]),
            month=dt.date.fromisoformat(params["month"]),
            tier1_rate=Decimal(params["tier1_rate"]),
            tier2_rate=Decimal(params["tier2_rate"]),
            semantics=Semantics(params["semantics"]),
            objective_period=ObjectivePeriod(params["objective_period"]),
            objectives_percent=Decimal(params["objectives_percent"]),
        )


@dataclass(frozen=True)
class SimulatedRep:
    rep_id: int
    name: str
    current: Decimal
    draft: Decimal

    @property
    def difference(self) -> Decimal:
        return self.draft - self.current


@dataclass(frozen=True)
class Simulation:
    month: dt.date
    plan: str
    rows: list[SimulatedRep]

    @property
    def current(self) -> Decimal:
        return sum((r.current for r in self.rows), ZERO)

    @property
    def draft(self) -> Decimal:
        return sum((r.draft for r in self.rows), ZERO)

    @property
    def difference(self) -> Decimal:
        return self.draft - self.current

    def as_counts(self) -> dict:
        return {
            "month": self.month.isoformat(),
            "plan": self.plan,
            "rows": [[r.rep_id, r.name, str(r.current), str(r.draft)] for r in self.rows],
        }

    @classmethod
    def from_counts(cls, counts: dict) -> Simulation:
        return cls(
            month=dt.date.fromisoformat(counts["month"]),
            plan=counts["plan"],
            rows=[SimulatedRep(int(r[0]), r[1], Decimal(r[2]), Decimal(r[3])) for r in counts["rows"]],
        )


def simulation_reps(*, membership: Membership, plan: CommissionPlan, month: dt.date) -> list[int]:
    """The reps (in the member's scope) the plan covers in `month`."""
    rows = PlanAssignment.objects.filter(
        organization_id=membership.organization_id, plan=plan, start__lte=month_end(month)
    ).filter(Q(end__isnull=True) | Q(end__gte=month))
    user_ids = scope_user_ids(membership, CommissionKind.STATEMENT)
    if user_ids is not None:
        rows = rows.filter(rep_id__in=user_ids)
    return sorted(set(rows.values_list("rep_id", flat=True)))


def simulation_size(*, organization: Organization, rep_ids: list[int], month: dt.date) -> int:
    """How many transactions the simulation reads."""
    start = fiscal_year_start(month, organization.fiscal_year_start_month)
    return SalesTransaction.objects.filter(
        organization=organization, rep_id__in=rep_ids, date__gte=start, date__lte=month_end(month)
    ).count()


def simulate(
    *, organization: Organization, plan: CommissionPlan, draft: Draft, rep_ids: list[int]
) -> Simulation:
    """Each rep's commission for the draft's month as the plans stand and under the draft."""
    if not rep_ids:
        return Simulation(draft.month, plan.name, [])
    inputs = engine_inputs(organization=organization, months=[draft.month], rep_ids=rep_ids)
    # The plan's assignments, with their terms replaced by the draft from the start of the year.
    on_plan = {(a.rep_id, a.product_line_id) for a in inputs.assignments if a.terms.plan_id == plan.pk}
    drafted = []
    for assignment in inputs.assignments:
        if assignment.terms.plan_id != plan.pk:
            drafted.append(assignment)
            continue
        terms = PlanTerms(
            plan_id=plan.pk,
            version=0,
            tier1_rate=draft.tier1_rate,
            tier2_rate=draft.tier2_rate,
            semantics=draft.semantics,
            objective_period=draft.objective_period,
            basis=assignment.terms.basis or Basis.BOOKED,
        )
        drafted.append(dataclasses.replace(assignment, terms=terms))
    factor = draft.objectives_percent / 100
    objectives = {
        key: (amount * factor).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if (key[0], key[1]) in on_plan
        else amount
        for key, amount in inputs.objectives.items()
    }
    totals: dict[str, dict[int, Decimal]] = {}
    for name, assignments, goals in (
        ("current", inputs.assignments, inputs.objectives),
        ("draft", drafted, objectives),
    ):
        lines = compute_commissions(
            transactions=inputs.transactions,
            assignments=assignments,
            objectives=goals,
            months=[draft.month],
            fiscal_year_start_month=inputs.fiscal_year_start_month,
            basis_frames=inputs.basis_frames,
        )
        per_rep: dict[int, Decimal] = {}
        for line in lines:
            per_rep[line.rep_id] = per_rep.get(line.rep_id, ZERO) + line.total
        totals[name] = per_rep
    names = {
        pk: (f"{first} {last}".strip() or email)
        for pk, first, last, email in User.objects.filter(pk__in=rep_ids).values_list(
            "pk", "first_name", "last_name", "email"
        )
    }
    rows = [
        SimulatedRep(
            rep, names.get(rep, ""), totals["current"].get(rep, ZERO), totals["draft"].get(rep, ZERO)
        )
        for rep in rep_ids
    ]
    rows.sort(key=lambda r: (r.name.lower(), r.rep_id))
    return Simulation(draft.month, plan.name, rows)
