"""Commission statements: compute (drafts follow the data), approve (posted to the ledger), pay.

- `statements_compute` runs the engine for one month and brings each rep's draft in line.
  A rep whose latest statement is approved or paid gets a new revision (a draft that corrects
  it) only when the figures changed; an approved statement itself never changes.
- `statement_approve` freezes a draft and posts its lines to the commission ledger: originals,
  and for a correction first the reversals of what the earlier revisions posted. Entries go to
  the statement month's period while it is open, else to the first open period.
- `statement_pay` marks an approved statement paid (finance).

Capabilities are checked by the caller (views, API, admin); services take the organization
and the actor, check the state and write audit rows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from commissions.engine import CommissionLine, compute_commissions, explain_line, to_cents
from commissions.models import (
    COMMISSION_LEDGER,
    CommissionEntry,
    CommissionStatement,
    StatementLine,
    StatementStatus,
)
from commissions.selectors.inputs import engine_inputs
from revops.exceptions import ApplicationError
from revops.ledger.periods import PeriodResolver
from revops.ledger.writer import ledger_append
from revops.models import Organization
from revops.services.audit import audit_record

ZERO = Decimal("0.00")
ERROR_NOT_DRAFT = "Only a draft statement can be approved; this one is {status}."
ERROR_NOT_APPROVED = "Only an approved statement can be paid; this one is {status}."
ERROR_MONTH = "Commissions are computed per month: give the first day of a month."
# The figures that make two computations of a line the same statement.
COMPARED = (
    "product_line_id",
    "commission_base",
    "sales_actual",
    "total",
    "tier",
    "plan_version",
    "adjustments",
)

Progress = Callable[[int, int], None]


@dataclass
class ComputeResult:
    month: dt.date
    lines: int = 0
    created: int = 0
    updated: int = 0
    corrections: int = 0
    unchanged: int = 0
    removed: int = 0

    def as_counts(self) -> dict[str, int | str]:
        return {
            "month": self.month.isoformat(),
            "lines": self.lines,
            "created": self.created,
            "updated": self.updated,
            "corrections": self.corrections,
            "unchanged": self.unchanged,
            "removed": self.removed,
        }


def _line_row(statement: CommissionStatement, line: CommissionLine) -> StatementLine:
    return StatementLine(
        statement=statement,
        product_line_id=line.product_line_id,
        plan_id=line.plan_id,
        plan_version=line.plan_version,
        semantics=line.semantics.value,
        objective_period=line.objective_period.value,
        transactions=line.transactions,
        sales_actual=line.sales_actual,
        revenue_actual=line.revenue_actual,
        commission_base=line.commission_base,
        objective=line.objective,
        window_objective=line.window_objective,
        window_base=line.window_base,
        attainment_percent=line.attainment_percent,
        tier=line.tier,
        tier2_date=line.tier2_date,
        tier1_rate=line.tier1_rate,
        tier2_rate=line.tier2_rate,
        tier1_commission=line.tier1_commission,
        tier2_commission=line.tier2_commission,
        true_up=line.true_up,
        adjustments=line.adjustments,
        total=line.total,
        ytd_sales=line.ytd_sales,
        ytd_commission=line.ytd_commission,
        steps=explain_line(line),
    )


def _signature(values) -> tuple:
    return tuple(sorted(tuple(getattr(v, f) for f in COMPARED) for v in values))


def _totals(
    statement: CommissionStatement, lines: list[CommissionLine], *, actor, now
) -> CommissionStatement:
    statement.sales_actual = sum((line.sales_actual for line in lines), ZERO)
    statement.commission_base = sum((line.commission_base for line in lines), ZERO)
    statement.total = sum((line.total for line in lines), ZERO)
    statement.computed_at = now
    statement.computed_by = actor if getattr(actor, "is_authenticated", False) else None
    return statement


def _lines_by_statement(statement_ids: list[int]) -> dict[int, tuple]:
    found: dict[int, list[StatementLine]] = defaultdict(list)
    for line in StatementLine.objects.filter(statement_id__in=statement_ids):
        found[line.statement_id].append(line)
    return {statement_id: _signature(lines) for statement_id, lines in found.items()}


def statements_compute(
    *, organization: Organization, actor, month: dt.date, progress: Progress | None = None
) -> ComputeResult:
    """Compute `month` for every rep with a plan and bring their statements in line.

    Reads and writes in bulk: one engine run, one query for the existing statements and their
    lines, one insert of the new statements and one of their lines.
    """
    if month.day != 1:
        raise ApplicationError(ERROR_MONTH)
    inputs = engine_inputs(organization=organization, months=[month])
    lines = compute_commissions(
        transactions=inputs.transactions,
        assignments=inputs.assignments,
        objectives=inputs.objectives,
        months=[month],
        fiscal_year_start_month=inputs.fiscal_year_start_month,
        adjustments=inputs.adjustments,
    )
    by_rep: dict[int, list[CommissionLine]] = defaultdict(list)
    for line in lines:
        by_rep[line.rep_id].append(line)
    result = ComputeResult(month=month, lines=len(lines))
    now = timezone.now()
    with transaction.atomic():
        latest: dict[int, CommissionStatement] = {}
        for statement in CommissionStatement.objects.filter(organization=organization, month=month).order_by(
            "rep_id", "revision"
        ):
            latest[statement.rep_id] = statement
        signatures = _lines_by_statement([s.pk for s in latest.values()])
        created: list[tuple[CommissionStatement, list[CommissionLine]]] = []
        refreshed: list[tuple[CommissionStatement, list[CommissionLine]]] = []
        for rep_id, rep_lines in sorted(by_rep.items()):
            current = latest.get(rep_id)
            same = current is not None and signatures.get(current.pk, ()) == _signature(rep_lines)
            if current is None:
                statement = CommissionStatement(
                    organization=organization, rep_id=rep_id, month=month, currency=organization.currency
                )
                created.append((_totals(statement, rep_lines, actor=actor, now=now), rep_lines))
            elif same:
                result.unchanged += 1
            elif current.status == StatementStatus.DRAFT:
                refreshed.append((_totals(current, rep_lines, actor=actor, now=now), rep_lines))
            else:
                statement = CommissionStatement(
                    organization=organization,
                    rep_id=rep_id,
                    month=month,
                    revision=current.revision + 1,
                    corrects=current,
                    currency=organization.currency,
                )
                created.append((_totals(statement, rep_lines, actor=actor, now=now), rep_lines))
                result.corrections += 1
        result.created = len(created) - result.corrections
        result.updated = len(refreshed)
        CommissionStatement.objects.bulk_create([statement for statement, _ in created], batch_size=1000)
        if refreshed:
            StatementLine.objects.filter(statement__in=[statement for statement, _ in refreshed]).delete()
            CommissionStatement.objects.bulk_update(
                [statement for statement, _ in refreshed],
                ["sales_actual", "commission_base", "total", "computed_at", "computed_by", "updated_at"],
                batch_size=1000,
            )
        StatementLine.objects.bulk_create(
            [
                _line_row(statement, line)
                for statement, rep_lines in (*created, *refreshed)
                for line in rep_lines
            ],
            batch_size=2000,
        )
        if progress is not None:
            progress(1, 1)
        stale = [
            current.pk
            for rep_id, current in latest.items()
            if rep_id not in by_rep and current.status == StatementStatus.DRAFT
        ]
        if stale:  # no plan covers those reps any more: nothing to approve
            StatementLine.objects.filter(statement_id__in=stale).delete()
            CommissionStatement.objects.filter(pk__in=stale).delete()
            result.removed = len(stale)
        audit_record(
            organization=organization,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            action="commissions.compute",
            object_type="commissions.month",
            object_id=month.isoformat(),
            after=result.as_counts(),
        )
    return result


def _standing_entries(statement: CommissionStatement) -> list[CommissionEntry]:
    """Originals posted for the revisions this statement corrects and not reversed yet."""
    earlier = CommissionStatement.objects.filter(
        organization_id=statement.organization_id, rep_id=statement.rep_id, month=statement.month
    ).exclude(pk=statement.pk)
    entries = list(
        CommissionEntry.objects.filter(
            organization_id=statement.organization_id,
            statement__in=earlier,
            kind=CommissionEntry.Kind.ORIGINAL,
        ).order_by("sequence")
    )
    reversed_ids = set(
        CommissionEntry.objects.filter(
            organization_id=statement.organization_id, corrects_id__in=[e.pk for e in entries]
        ).values_list("corrects_id", flat=True)
    )
    return [e for e in entries if e.pk not in reversed_ids]


def statement_approve(*, statement: CommissionStatement, actor) -> CommissionStatement:
    """Approve a draft and post it to the commission ledger (reversing what it corrects)."""
    with transaction.atomic():
        statement = CommissionStatement.objects.select_for_update().get(pk=statement.pk)
        if statement.status != StatementStatus.DRAFT:
            raise ApplicationError(ERROR_NOT_DRAFT.format(status=statement.get_status_display().lower()))
        organization = statement.organization
        period = PeriodResolver(organization).posting_period(statement.month)
        rows = []
        for entry in _standing_entries(statement):
            rows.append(
                (
                    period.pk,
                    CommissionEntry.Kind.REVERSAL,
                    entry.pk,
                    -to_cents(entry.amount),
                    entry.rep_id,
                    entry.product_line_id,
                    entry.month,
                    statement.pk,
                    entry.statement_line_id,
                )
            )
        for line in statement.lines.order_by("product_line_id"):
            if line.total:
                rows.append(
                    (
                        period.pk,
                        CommissionEntry.Kind.ORIGINAL,
                        None,
                        to_cents(line.total),
                        statement.rep_id,
                        line.product_line_id,
                        statement.month,
                        statement.pk,
                        line.pk,
                    )
                )
        posted = ledger_append(
            spec=COMMISSION_LEDGER,
            organization_id=organization.pk,
            rows=rows,
            created_by_id=actor.pk if getattr(actor, "is_authenticated", False) else None,
        )
        before = {"status": statement.status}
        statement.status = StatementStatus.APPROVED
        statement.approved_at = timezone.now()
        statement.approved_by = actor
        statement.save(update_fields=["status", "approved_at", "approved_by", "updated_at"])
        audit_record(
            organization=organization,
            actor=actor,
            action="commissions.statement.approve",
            obj=statement,
            before=before,
            after={"status": statement.status, "entries": posted, "period": period.label},
        )
    return statement


def statement_pay(*, statement: CommissionStatement, actor) -> CommissionStatement:
    """Mark an approved statement paid (what its entries net to is what payroll pays)."""
    with transaction.atomic():
        statement = CommissionStatement.objects.select_for_update().get(pk=statement.pk)
        if statement.status != StatementStatus.APPROVED:
            raise ApplicationError(ERROR_NOT_APPROVED.format(status=statement.get_status_display().lower()))
        statement.status = StatementStatus.PAID
        statement.paid_at = timezone.now()
        statement.paid_by = actor
        statement.save(update_fields=["status", "paid_at", "paid_by", "updated_at"])
        audit_record(
            organization=statement.organization,
            actor=actor,
            action="commissions.statement.pay",
            obj=statement,
            before={"status": StatementStatus.APPROVED},
            after={"status": statement.status},
        )
    return statement
