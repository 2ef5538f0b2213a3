"""What the commission engine reads, from the database: transactions, plan terms, objectives.

Queries do not grow with rows: one per table. Amounts become integer cents for the engine.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

import pandas as pd
from django.db import connection
from django.db.models import BigIntegerField, F
from django.db.models.functions import Cast

from commissions.engine import (
    Assignment,
    Basis,
    CommissionLine,
    DocumentLine,
    ObjectivePeriod,
    PlanTerms,
    Receipt,
    Semantics,
    compute_commissions,
    frame_from_rows,
    month_index,
    paid_frame,
)
from commissions.models import (
    BusinessObjective,
    CashReceipt,
    CommissionAdjustment,
    CommissionPlanVersion,
    PlanAssignment,
    SalesTransaction,
)
from revops.models import Organization

ONE_DAY = dt.timedelta(days=1)


@dataclass
class EngineInputs:
    transactions: pd.DataFrame
    assignments: list[Assignment]
    objectives: dict[tuple[int, int, int], Decimal]
    fiscal_year_start_month: int
    adjustments: dict[tuple[int, int, int], Decimal]
    basis_frames: dict[Basis, pd.DataFrame] = field(default_factory=dict)


def fiscal_year_start(day: dt.date, fiscal_year_start_month: int) -> dt.date:
    year = day.year if day.month >= fiscal_year_start_month else day.year - 1
    return dt.date(year, fiscal_year_start_month, 1)


def month_end(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - ONE_DAY


def _cents(value: Decimal) -> int:
    return int(value.scaleb(2))


def _transaction_rows(transactions) -> Iterable[tuple]:
    """(rep, line, date, base, sales, revenue cents) per transaction.

    PostgreSQL multiplies the exact numerics to cents itself; elsewhere (SQLite stores decimals
    inexactly) the Decimals are converted here.
    """
    if connection.vendor == "postgresql":
        cents = {
            f"{name}_cents": Cast(F(name) * 100, BigIntegerField())
            for name in ("commission_base", "sales_amount", "revenue_amount")
        }
        return (
            transactions.annotate(**cents)
            .values_list("rep_id", "product_line_id", "date", *cents)
            .iterator(chunk_size=50_000)
        )
    return (
        (rep, line, day, _cents(base), _cents(sales), _cents(revenue))
        for rep, line, day, base, sales, revenue in transactions.values_list(
            "rep_id", "product_line_id", "date", "commission_base", "sales_amount", "revenue_amount"
        ).iterator(chunk_size=20_000)
    )


def plan_assignments(*, organization: Organization, rep_ids: Iterable[int] | None = None) -> list[Assignment]:
    """Each assignment × each version of its plan, over the months that version is in force."""
    versions: dict[int, list[CommissionPlanVersion]] = {}
    for version in CommissionPlanVersion.objects.filter(organization=organization).order_by(
        "plan_id", "effective_from"
    ):
        versions.setdefault(version.plan_id, []).append(version)
    assignments = PlanAssignment.objects.filter(organization=organization)
    if rep_ids is not None:
        assignments = assignments.filter(rep_id__in=list(rep_ids))
    out = []
    for assignment in assignments.order_by("rep_id", "product_line_id", "start"):
        plan_versions = versions.get(assignment.plan_id, [])
        for index, version in enumerate(plan_versions):
            start = max(assignment.start, version.effective_from)
            ends = [d for d in (assignment.end,) if d is not None]
            if index + 1 < len(plan_versions):
                ends.append(plan_versions[index + 1].effective_from - ONE_DAY)
            end = min(ends) if ends else None
            if end is not None and end < start:
                continue
            terms = PlanTerms(
                plan_id=version.plan_id,
                version=version.version,
                tier1_rate=version.tier1_rate,
                tier2_rate=version.tier2_rate,
                semantics=Semantics(version.semantics),
                objective_period=ObjectivePeriod(version.objective_period),
                basis=Basis(version.basis),
            )
            out.append(Assignment(assignment.rep_id, assignment.product_line_id, terms, start, end))
    return out


@dataclass(frozen=True)
class RepEngineRun:
    """One engine run for one rep: what it read and the lines it computed (months asked for)."""

    inputs: EngineInputs
    lines: list[CommissionLine]


def rep_engine_run(*, organization: Organization, rep_id: int, months: list[dt.date]) -> RepEngineRun:
    """Run the engine for one rep over `months` (from the start of the first one's fiscal year).

    A month's line depends only on that month and the ones before it in its window, so one run
    over a longer span gives the same lines for the months of a shorter one: the rep dashboard
    and the expected pipeline share a run.
    """
    inputs = engine_inputs(organization=organization, months=months, rep_ids=[rep_id])
    lines = compute_commissions(
        transactions=inputs.transactions,
        assignments=inputs.assignments,
        objectives=inputs.objectives,
        months=months,
        fiscal_year_start_month=inputs.fiscal_year_start_month,
        basis_frames=inputs.basis_frames,
    )
    return RepEngineRun(inputs, lines)


def engine_inputs(
    *, organization: Organization, months: Iterable[dt.date], rep_ids: Iterable[int] | None = None
) -> EngineInputs:
    """Everything `compute_commissions` needs for `months`, from the start of the first one's
    fiscal year (windows count the months before)."""
    wanted = sorted(months)
    start = fiscal_year_start(wanted[0], organization.fiscal_year_start_month)
    end = month_end(wanted[-1])
    reps = list(rep_ids) if rep_ids is not None else None
    transactions = SalesTransaction.objects.filter(organization=organization, date__gte=start, date__lte=end)
    # A quarter's threshold counts all three of its months, also those after the last one asked
    # for: read the objectives to the end of that fiscal year.
    year_end = fiscal_year_start(wanted[-1], organization.fiscal_year_start_month).replace(
        year=fiscal_year_start(wanted[-1], organization.fiscal_year_start_month).year + 1
    )
    objectives = BusinessObjective.objects.filter(
        organization=organization, month__gte=start, month__lt=year_end
    )
    if reps is not None:
        transactions = transactions.filter(rep_id__in=reps)
        objectives = objectives.filter(rep_id__in=reps)
    frame = frame_from_rows(_transaction_rows(transactions))
    assignments = plan_assignments(organization=organization, rep_ids=reps)
    return EngineInputs(
        transactions=frame,
        assignments=assignments,
        basis_frames=basis_frames(
            organization=organization,
            bases={a.terms.basis for a in assignments},
            start=start,
            end=end,
            reps=reps,
        ),
        objectives={
            (rep, line, month_index(month)): amount
            for rep, line, month, amount in objectives.values_list(
                "rep_id", "product_line_id", "month", "amount"
            )
        },
        fiscal_year_start_month=organization.fiscal_year_start_month,
        adjustments=_adjustments(organization, start, end, reps),
    )


def _adjustments(
    organization: Organization, start: dt.date, end: dt.date, reps
) -> dict[tuple[int, int, int], Decimal]:
    """The adjustments per (rep, line, month index), summed (one query)."""
    rows = CommissionAdjustment.objects.filter(organization=organization, month__gte=start, month__lte=end)
    if reps is not None:
        rows = rows.filter(rep_id__in=reps)
    totals: dict[tuple[int, int, int], Decimal] = {}
    for rep, line, month, amount in rows.values_list("rep_id", "product_line_id", "month", "amount"):
        key = (rep, line, month_index(month))
        totals[key] = totals.get(key, Decimal(0)) + amount
    return totals


def basis_frames(
    *, organization: Organization, bases: set[Basis], start: dt.date, end: dt.date, reps: list[int] | None
) -> dict[Basis, pd.DataFrame]:
    """The invoiced and paid frames from `start` to `end`, read only when a plan counts on them."""
    frames: dict[Basis, pd.DataFrame] = {}
    if Basis.INVOICED in bases:
        invoiced = SalesTransaction.objects.filter(
            organization=organization, invoice_date__gte=start, invoice_date__lte=end
        )
        if reps is not None:
            invoiced = invoiced.filter(rep_id__in=reps)
        frames[Basis.INVOICED] = frame_from_rows(
            (rep, line, day, _cents(base), _cents(sales), _cents(revenue))
            for rep, line, day, base, sales, revenue in invoiced.values_list(
                "rep_id",
                "product_line_id",
                "invoice_date",
                "commission_base",
                "sales_amount",
                "revenue_amount",
            ).iterator(chunk_size=20_000)
        )
    if Basis.PAID in bases:
        receipts = [
            Receipt(document, day, _cents(amount))
            for document, day, amount in CashReceipt.objects.filter(
                organization=organization, date__gte=start, date__lte=end
            ).values_list("document_number", "date", "amount")
        ]
        # Earlier receipts of the same documents: a share is what has counted after a receipt
        # minus what had counted before, so the running total starts at the first receipt.
        documents = {r.document for r in receipts}
        earlier = [
            Receipt(document, day, _cents(amount))
            for document, day, amount in CashReceipt.objects.filter(
                organization=organization, date__lt=start, document_number__in=documents
            ).values_list("document_number", "date", "amount")
        ]
        lines = [
            DocumentLine(document, rep, line, _cents(base), _cents(sales), _cents(revenue))
            for document, rep, line, base, sales, revenue in SalesTransaction.objects.filter(
                organization=organization, document_number__in=documents
            )
            .exclude(document_number="")
            .values_list(
                "document_number",
                "rep_id",
                "product_line_id",
                "commission_base",
                "sales_amount",
                "revenue_amount",
            )
        ]
        frame = paid_frame(lines, [*earlier, *receipts])
        if not frame.empty:
            day = frame["date"].dt.date
            frame = frame[(day >= start) & (day <= end)]
            if reps is not None:
                frame = frame[frame["rep_id"].isin(reps)]
        frames[Basis.PAID] = frame.reset_index(drop=True)
    return frames
