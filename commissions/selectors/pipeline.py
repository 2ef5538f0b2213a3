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

from commissions.engine import CommissionLine, ExpectedCommission, OpenDeal, expected_commissions
from commissions.selectors.inputs import fiscal_year_start, rep_engine_run
from commissions.selectors.reps import RepChoice
from revops.models import Membership, Opportunity, Organization, ProductLine
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


@dataclass(frozen=True)
class OpenDeals:
    """The rep's open deals in the member's scope: how many, and the largest MAX_DEALS of them
    (their rows for the table, and as the engine prices them)."""

    count: int
    rows: list[tuple]  # (pk, name, stage, product line id, expected close date, amount)
    deals: list[OpenDeal]


def open_deals(*, membership: Membership, rep: RepChoice, today: dt.date) -> OpenDeals:
    """The open deals of `rep` (in the member's scope), each with its win probability."""
    this_month = today.replace(day=1)
    scope = scoped(Opportunity.objects.all(), membership, kind=Kind.OPPORTUNITY).filter(
        owner_id=rep.user_id, stage__in=OPEN_STAGES
    )
    count = scope.count()
    rows = list(
        scope.order_by("-amount", "pk").values_list(
            "pk", "name", "stage", "product_line_id", "expected_close_date", "amount"
        )[:MAX_DEALS]
    )
    if not rows:
        return OpenDeals(count, [], [])
    probabilities = win_probabilities(membership.organization, [row[0] for row in rows])
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
        for pk, _name, _stage, line_id, close, amount in rows
    ]
    return OpenDeals(count, rows, deals)


def pipeline_months(*, organization: Organization, found: OpenDeals, today: dt.date) -> list[dt.date]:
    """The months the engine must cover to price the deals: the fiscal year's start to the last
    month a deal closes in."""
    months = []
    month = fiscal_year_start(today.replace(day=1), organization.fiscal_year_start_month)
    last = max(deal.month for deal in found.deals)
    while month <= last:
        months.append(month)
        month = add_months(month, 1)
    return months


def pipeline_priced(
    *, organization: Organization, found: OpenDeals, lines: list[CommissionLine]
) -> ExpectedPipeline:
    """Price the open deals on top of the engine's `lines` (a run covering `pipeline_months`)."""
    if not found.deals:
        return ExpectedPipeline([], found.count, ZERO, ZERO, ZERO, [])
    deals = found.deals
    priced = expected_commissions(deals=deals, lines=lines)
    names = dict(
        ProductLine.objects.filter(
            organization=organization, pk__in={d.product_line_id for d in deals if d.product_line_id}
        ).values_list("pk", "name")
    )
    stages = dict(Opportunity._meta.get_field("stage").choices or [])
    rows = [
        PipelineRow(name, str(stages.get(stage, stage)), names.get(line_id, ""), item)
        for (_pk, name, stage, line_id, _close, _amount), item in zip(found.rows, priced, strict=True)
    ]
    return ExpectedPipeline(
        rows=rows,
        deals=found.count,
        amount=sum((d.amount for d in deals), ZERO),
        if_won=sum((p.if_won for p in priced if p.if_won is not None), ZERO),
        expected=sum((p.expected for p in priced if p.expected is not None), ZERO),
        sources=sorted({d.source for d in deals}),
    )


def expected_pipeline(*, membership: Membership, rep: RepChoice, today: dt.date) -> ExpectedPipeline:
    """Expected commission on the open deals of `rep` (in the member's scope: `rep_get` checked it)."""
    organization = membership.organization
    found = open_deals(membership=membership, rep=rep, today=today)
    if not found.deals:
        return pipeline_priced(organization=organization, found=found, lines=[])
    months = pipeline_months(organization=organization, found=found, today=today)
    run = rep_engine_run(organization=organization, rep_id=rep.user_id, months=months)
    return pipeline_priced(organization=organization, found=found, lines=run.lines)
