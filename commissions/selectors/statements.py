"""Reads of commission statements for pages, exports and the API (org- and role-scoped).

- `statement_list` / `statement_get`: the member's statements (a rep their own, a team manager
  their reports', admin and finance the organization's); out of scope is Http404.
- `statement_detail`: lines, the ledger entries the statement posted, what it corrects and
  what corrected it.
- `statement_line_detail`: one line's steps and the transactions behind it, with their file
  and row; for a quarter or year-to-date objective, where its window starts.
- `payout_rows`: approved and paid statements with what their ledger entries net to (what
  payroll pays for that revision).
- `compute_job_latest`, `compute_data_version`: the statements page's compute job.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Max, QuerySet, Sum
from django.http import Http404

from commissions.filters import CommissionStatementFilterSet
from commissions.models import (
    BusinessObjective,
    CommissionAdjustment,
    CommissionEntry,
    CommissionPlanVersion,
    CommissionStatement,
    ObjectivePeriod,
    PlanAssignment,
    SalesTransaction,
    StatementLine,
    StatementStatus,
)
from commissions.permissions import CommissionKind
from commissions.selectors.inputs import month_end
from revops.models import JobRun, Membership, Organization
from revops.money import quantize_money
from revops.permissions import scoped
from revops.selectors.periods import fiscal_quarter_range, fiscal_year_range

ZERO = Decimal("0.00")
# The JobRun kind `commissions.tasks.compute_statements_task` runs.
COMPUTE_KIND = "commissions.compute"
PAYABLE = (StatementStatus.APPROVED, StatementStatus.PAID)
# Objective windows longer than the month, by `ObjectivePeriod` value.
WINDOW_NAMES = {
    ObjectivePeriod.QUARTER.value: "fiscal quarter",
    ObjectivePeriod.YEAR_TO_DATE.value: "fiscal year to date",
}


def statement_scope(*, membership: Membership | None) -> QuerySet[CommissionStatement]:
    """Every statement the member may see (the permission table's `commissions.statement`)."""
    return scoped(CommissionStatement.objects.all(), membership, kind=CommissionKind.STATEMENT)


def statement_list(
    *, membership: Membership, filters: Mapping
) -> tuple[CommissionStatementFilterSet, QuerySet[CommissionStatement]]:
    """The member's statements matching `filters` (month, rep, status), newest month first."""
    base = statement_scope(membership=membership).select_related("rep", "corrects")
    filterset = CommissionStatementFilterSet(filters, queryset=base)
    return filterset, filterset.qs.order_by(
        "-month", "rep__last_name", "rep__first_name", "rep_id", "-revision"
    )


def statement_get(*, membership: Membership, pk: int) -> CommissionStatement:
    """The statement, when the member may see it; Http404 otherwise (other rep, team, organization)."""
    statement = (
        statement_scope(membership=membership)
        .select_related("organization", "rep", "corrects", "approved_by", "paid_by")
        .filter(pk=pk)
        .first()
    )
    if statement is None:
        raise Http404
    return statement


@dataclass(frozen=True)
class LineRow:
    """A statement line, and for a correction the same product line's total in what it corrects."""

    line: StatementLine
    previous_total: Decimal | None = None

    @property
    def change(self) -> Decimal | None:
        return None if self.previous_total is None else self.line.total - self.previous_total


@dataclass
class StatementDetail:
    statement: CommissionStatement
    lines: list[LineRow]
    entries: list[CommissionEntry]
    ledger_net: Decimal
    corrected_by: list[CommissionStatement] = field(default_factory=list)
    dropped: list[StatementLine] = field(default_factory=list)  # lines of the corrected one not here

    @property
    def change(self) -> Decimal | None:
        corrects = self.statement.corrects
        return None if corrects is None else self.statement.total - corrects.total


def _lines(statement: CommissionStatement) -> list[StatementLine]:
    return list(statement.lines.select_related("product_line", "plan").order_by("product_line__name"))


def statement_detail(*, statement: CommissionStatement) -> StatementDetail:
    """What the statement page shows; `statement` comes from `statement_get` (in scope)."""
    lines = _lines(statement)
    previous: dict[int, StatementLine] = {}
    if statement.corrects_id is not None:
        previous = {line.product_line_id: line for line in _lines(statement.corrects)}
    rows = [
        LineRow(line, previous[line.product_line_id].total if line.product_line_id in previous else None)
        for line in lines
    ]
    present = {line.product_line_id for line in lines}
    entries = list(
        CommissionEntry.objects.filter(organization_id=statement.organization_id, statement=statement)
        .select_related("period", "product_line")
        .order_by("sequence")
    )
    corrected_by = list(
        CommissionStatement.objects.filter(organization_id=statement.organization_id, corrects=statement)
    )
    return StatementDetail(
        statement=statement,
        lines=rows,
        entries=entries,
        ledger_net=sum((e.amount for e in entries), ZERO),
        corrected_by=corrected_by,
        dropped=[line for pid, line in previous.items() if pid not in present],
    )


def statement_line_get(*, statement: CommissionStatement, line_pk: int) -> StatementLine:
    """One line of a statement in scope; Http404 for a line of another statement."""
    line = statement.lines.select_related("product_line", "plan").filter(pk=line_pk).first()
    if line is None:
        raise Http404
    return line


@dataclass
class LineDetail:
    line: StatementLine
    rep_id: int
    transactions: list[SalesTransaction]
    month_start: dt.date
    month_end: dt.date
    window_start: dt.date | None  # the window's first day when it starts before the month
    window_name: str = ""


def window_start(organization: Organization, month: dt.date, period: str) -> dt.date:
    """The first day of the objective window a line of `month` is measured over."""
    if period == ObjectivePeriod.QUARTER:
        start = fiscal_quarter_range(organization, month).start
    elif period == ObjectivePeriod.YEAR_TO_DATE:
        start = fiscal_year_range(organization, month).start
    else:
        start = month
    assert start is not None  # a fiscal range is always bounded
    return start


def statement_line_detail(
    *, membership: Membership, statement: CommissionStatement, line: StatementLine
) -> LineDetail:
    """The transactions behind one line (rep × product line × month), each with its file and row."""
    last = month_end(statement.month)
    transactions = list(
        scoped(SalesTransaction.objects.all(), membership, kind=CommissionKind.TRANSACTION)
        .filter(rep_id=statement.rep_id, product_line_id=line.product_line_id)
        .filter(date__gte=statement.month, date__lte=last)
        .order_by("date", "id")
    )
    start = window_start(statement.organization, statement.month, line.objective_period)
    return LineDetail(
        line=line,
        rep_id=statement.rep_id,
        transactions=transactions,
        month_start=statement.month,
        month_end=last,
        window_start=start if start < statement.month else None,
        window_name=WINDOW_NAMES.get(str(line.objective_period), ""),
    )


@dataclass(frozen=True)
class PayoutRow:
    statement_id: int
    rep_email: str
    rep_name: str
    month: dt.date
    revision: int
    status: str
    statement_total: Decimal
    amount: Decimal  # what the statement's ledger entries net to


def payout_list(*, membership: Membership, filters: Mapping) -> list[PayoutRow]:
    """Approved and paid statements of the list's filters, with their ledger net, for payroll."""
    _filterset, qs = statement_list(membership=membership, filters=filters)
    rows = (
        qs.filter(status__in=PAYABLE)
        .annotate(net=Sum("entries__amount"))
        .order_by("month", "rep__last_name", "rep__first_name", "rep__email", "revision")
    )
    return [
        PayoutRow(
            statement_id=s.pk,
            rep_email=s.rep.email,
            rep_name=s.rep.get_full_name(),
            month=s.month,
            revision=s.revision,
            status=s.get_status_display(),
            statement_total=s.total,
            amount=quantize_money(s.net) if s.net is not None else ZERO,
        )
        for s in rows
    ]


def compute_job_latest(*, organization: Organization) -> JobRun | None:
    """The organization's latest statements computation, for the statements page."""
    return (
        JobRun.objects.filter(organization=organization, kind=COMPUTE_KIND)
        .select_related("started_by")
        .order_by("-created_at", "-pk")
        .first()
    )


def compute_data_version(*, organization: Organization, month: dt.date) -> str:
    """A digest of what computing `month` reads: the same data gives the same digest.

    Row counts and the latest change of the transactions of the month's fiscal year, of plan
    versions, assignments and objectives; a computation asked twice on unchanged data is one
    job (its idempotency key carries this digest).
    """
    start = fiscal_year_range(organization, month).start
    parts: list[object] = [organization.pk, month.isoformat()]
    sources: list[QuerySet] = [
        SalesTransaction.objects.filter(
            organization=organization, date__gte=start, date__lte=month_end(month)
        ),
        CommissionPlanVersion.objects.filter(organization=organization),
        PlanAssignment.objects.filter(organization=organization),
        BusinessObjective.objects.filter(organization=organization),
        CommissionAdjustment.objects.filter(organization=organization),
    ]
    for source in sources:
        figures = source.aggregate(rows=Count("id"), changed=Max("updated_at"))
        parts += [figures["rows"], figures["changed"].isoformat() if figures["changed"] else ""]
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def statement_transactions(
    *, membership: Membership, statement: CommissionStatement
) -> list[SalesTransaction]:
    """Every transaction behind a statement's lines (the rep's, in its month), for its report."""
    return list(
        scoped(SalesTransaction.objects.all(), membership, kind=CommissionKind.TRANSACTION)
        .filter(rep_id=statement.rep_id, date__gte=statement.month, date__lte=month_end(statement.month))
        .filter(product_line_id__in=statement.lines.values("product_line_id"))
        .select_related("product_line", "rep")
        .order_by("product_line__name", "date", "id")
    )
