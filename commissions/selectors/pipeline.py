"""Expected commission on one rep's open pipeline, for the rep dashboard and the statements page.

The rep's open deals the member may see (the core's opportunity scope), each with its win
probability from `revops.providers.win_probabilities` (the forecasting model when one is
registered, else the organization's stage win rate — the source is shown with the number),
priced through the rep's plans by the engine (`commissions.engine.expected`) on top of the
sales booked so far. A deal expected to close in a past month, or with no date, counts in the
current month. Bounded: one rep, their open deals (at most MAX_DEALS, largest first), one
engine run from the start of the fiscal year to the last month a deal closes in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from commissions.engine import ExpectedCommission, OpenDeal, compute_commissions, expected_commissions
from commissions.selectors.inputs import engine_inputs, fiscal_year_start
from commissions.selectors.reps import RepChoice
from revops.models import Membership, Opportunity, ProductLine
from revops.models.crm import OPEN_STAGES
from revops.permissions import Kind, scoped
from revops.providers import win_probabilities
from revops.selectors.periods import add_months

ZERO = Decimal("0.00")
MAX_DEALS = 200  # a rep's open deals shown and priced; the largest first
MAX_MONTHS_AHEAD = 24  # deals closing later are priced in this month (the plan rarely reaches further)


@dataclass(frozen=True)
class PipelineRow:
    name: str
    stage: str
    product_line: str
    expected: ExpectedCommission


@dataclass(frozen=True)
class ExpectedPipeline:
    rows: list[PipelineRow]
    deals: int  # open deals of the rep in scope (rows holds at most MAX_DEALS)
    amount: Decimal
    if_won: Decimal
    expected: Decimal
    sources: list[str]  # where the probabilities came from, e.g. ["stage win rate"]


def _month(day: dt.date | None, this_month: dt.date) -> dt.date:
    if day is None:
        return this_month
    month = day.replace(day=1)
    return min(max(month, this_month), add_months(this_month, MAX_MONTHS_AHEAD))


def expected_pipeline(*, membership: Membership, rep: RepChoice, today: dt.date) -> ExpectedPipeline:
    """Expected commission on the open deals of `rep` (in the member's scope: `rep_get` checked it)."""
    organization = membership.organization
    this_month = today.replace(day=1)
    open_deals = scoped(Opportunity.objects.all(), membership, kind=Kind.OPPORTUNITY).filter(
        owner_id=rep.user_id, stage__in=OPEN_STAGES
    )
    count = open_deals.count()
    found = list(
        open_deals.order_by("-amount", "pk").values_list(
            "pk", "name", "stage", "product_line_id", "expected_close_date", "amount"
        )[:MAX_DEALS]
    )
    if not found:
        return ExpectedPipeline([], count, ZERO, ZERO, ZERO, [])
    probabilities = win_probabilities(organization, [row[0] for row in found])
    deals = [
        OpenDeal(
            opportunity_id=pk,
            rep_id=rep.user_id,
            product_line_id=line_id,
            month=_month(close, this_month),
            amount=amount,
            probability=probabilities[pk].probability,
            source=probabilities[pk].source,
        )
        for pk, _name, _stage, line_id, close, amount in found
    ]
    months = []
    month = fiscal_year_start(this_month, organization.fiscal_year_start_month)
    last = max(deal.month for deal in deals)
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    inputs = engine_inputs(organization=organization, months=months, rep_ids=[rep.user_id])
    lines = compute_commissions(
        transactions=inputs.transactions,
        assignments=inputs.assignments,
        objectives=inputs.objectives,
        months=months,
        fiscal_year_start_month=inputs.fiscal_year_start_month,
        basis_frames=inputs.basis_frames,
    )
    priced = expected_commissions(deals=deals, lines=lines)
    names = dict(
        ProductLine.objects.filter(
            organization=organization, pk__in={d.product_line_id for d in deals if d.product_line_id}
        ).values_list("pk", "name")
    )
    stages = dict(Opportunity._meta.get_field("stage").choices or [])
    rows = [
        PipelineRow(name, str(stages.get(stage, stage)), names.get(line_id, ""), item)
        for (_pk, name, stage, line_id, _close, _amount), item in zip(found, priced, strict=True)
    ]
    return ExpectedPipeline(
        rows=rows,
        deals=count,
        amount=sum((d.amount for d in deals), ZERO),
        if_won=sum((p.if_won for p in priced if p.if_won is not None), ZERO),
        expected=sum((p.expected for p in priced if p.expected is not None), ZERO),
        sources=sorted({d.source for d in deals}),
    )
