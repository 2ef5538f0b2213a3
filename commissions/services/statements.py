"""Commission statements: compute (drafts follow the data), approve (posted to the ledger), pay.

- `statements_compute` runs the engine for one month and brings each rep's draft in line
  (`statements_compute_months`: several months in one run of the engine), in bulk.
  A rep whose latest statement is approved or paid gets a new revision (a draft that corrects
  it) only when the figures changed; an approved statement itself never changes.
- `statement_approve` freezes a draft and posts its lines to the commission ledger: originals,
  and for a correction first the reversals of what the earlier revisions posted. Entries go to
  the statement month's period while it is open, else to the first open period.
  `statements_approve` does the same for several drafts in one posting (a manager's queue).
- `statement_pay` marks an approved statement paid (finance); `statements_pay`, several.

Capabilities are checked by the caller (views, API, admin); services take the organization
and the actor, check the state and write audit rows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
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
from commissions.services.notifications import statements_notify
from revops.exceptions import ApplicationError
from revops.ledger.periods import PeriodResolver
from revops.ledger.writer import ledger_append
from revops.models import Organization
from revops.services.audit import AuditChange, audit_record, audit_record_many

ZERO = Decimal("0.00")
BATCH_SIZE = 2000  # statement lines per INSERT; Django splits further to the parameter limit
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


@dataclass
class _Writes:
    """What bringing the months in line writes, together: new statements (first revisions and
    corrections), drafts recomputed in place, drafts nobody's plan covers any more."""

    created: list[tuple[CommissionStatement, list[CommissionLine]]] = field(default_factory=list)
    refreshed: list[tuple[CommissionStatement, list[CommissionLine]]] = field(default_factory=list)
    stale: list[int] = field(default_factory=list)

    def write(self) -> None:
        CommissionStatement.objects.bulk_create([statement for statement, _ in self.created], batch_size=1000)
        if self.refreshed:
            StatementLine.objects.filter(
                statement__in=[statement for statement, _ in self.refreshed]
            ).delete()
            CommissionStatement.objects.bulk_update(
                [statement for statement, _ in self.refreshed],
                ["sales_actual", "commission_base", "total", "computed_at", "computed_by", "updated_at"],
                batch_size=1000,
            )
        StatementLine.objects.bulk_create(
            [
                _line_row(statement, line)
                for statement, rep_lines in (*self.created, *self.refreshed)
                for line in rep_lines
            ],
            batch_size=BATCH_SIZE,
        )
        if self.stale:  # no plan covers those reps any more: nothing to approve
            StatementLine.objects.filter(statement_id__in=self.stale).delete()
            CommissionStatement.objects.filter(pk__in=self.stale).delete()


def _bring_in_line(
    *,
    organization: Organization,
    month: dt.date,
    by_rep: dict[int, list[CommissionLine]],
    latest: dict[int, CommissionStatement],
    signatures: dict[int, tuple],
    actor,
    now: dt.datetime,
    writes: _Writes,
) -> ComputeResult:
    """One month's statements against its lines, the writes added to `writes`."""
    result = ComputeResult(month=month, lines=sum(len(rep_lines) for rep_lines in by_rep.values()))
    for rep_id, rep_lines in sorted(by_rep.items()):
        current = latest.get(rep_id)
        if current is None:
            statement = CommissionStatement(
                organization=organization, rep_id=rep_id, month=month, currency=organization.currency
            )
            writes.created.append((_totals(statement, rep_lines, actor=actor, now=now), rep_lines))
            result.created += 1
        elif signatures.get(current.pk, ()) == _signature(rep_lines):
            result.unchanged += 1
        elif current.status == StatementStatus.DRAFT:
            writes.refreshed.append((_totals(current, rep_lines, actor=actor, now=now), rep_lines))
            result.updated += 1
        else:  # approved or paid, and the figures changed: a correction
            statement = CommissionStatement(
                organization=organization,
                rep_id=rep_id,
                month=month,
                revision=current.revision + 1,
                corrects=current,
                currency=organization.currency,
            )
            writes.created.append((_totals(statement, rep_lines, actor=actor, now=now), rep_lines))
            result.corrections += 1
    stale = [
        current.pk
        for rep_id, current in latest.items()
        if rep_id not in by_rep and current.status == StatementStatus.DRAFT
    ]
    writes.stale += stale
    result.removed = len(stale)
    return result


def statements_compute(
    *,
    organization: Organization,
    actor,
    month: dt.date,
    progress: Progress | None = None,
    computed_at: dt.datetime | None = None,
) -> ComputeResult:
    """Compute `month` for every rep with a plan and bring their statements in line.

    Reads and writes in bulk: one engine run, one query for the existing statements and their
    lines, one insert of the new statements and one of their lines. `computed_at` back-dates
    the computation (loading history, e.g. the demo data); default now.
    """
    return statements_compute_months(
        organization=organization,
        actor=actor,
        months=[month],
        progress=progress,
        computed_at={month: computed_at} if computed_at else None,
    )[0]


def statements_compute_months(
    *,
    organization: Organization,
    actor,
    months: Iterable[dt.date],
    progress: Progress | None = None,
    computed_at: Mapping[dt.date, dt.datetime] | None = None,
) -> list[ComputeResult]:
    """Compute several months in one run of the engine, each as `statements_compute` does.

    For history (loading months of sales at once) and any recompute of several months; one
    result and one audit row per month, in month order. `computed_at` back-dates each month's
    computation (by month); default now.
    """
    wanted = sorted(set(months))
    if any(month.day != 1 for month in wanted):
        raise ApplicationError(ERROR_MONTH)
    if not wanted:
        return []
    inputs = engine_inputs(organization=organization, months=wanted)
    lines = compute_commissions(
        transactions=inputs.transactions,
        assignments=inputs.assignments,
        objectives=inputs.objectives,
        months=wanted,
        fiscal_year_start_month=inputs.fiscal_year_start_month,
        basis_frames=inputs.basis_frames,
        adjustments=inputs.adjustments,
    )
    by_month: dict[dt.date, dict[int, list[CommissionLine]]] = {month: defaultdict(list) for month in wanted}
    for line in lines:
        by_month[line.month][line.rep_id].append(line)
    now = timezone.now()
    with transaction.atomic():
        latest: dict[dt.date, dict[int, CommissionStatement]] = defaultdict(dict)
        for statement in CommissionStatement.objects.filter(
            organization=organization, month__in=wanted
        ).order_by("month", "rep_id", "revision"):
            latest[statement.month][statement.rep_id] = statement
        signatures = _lines_by_statement([s.pk for by_rep in latest.values() for s in by_rep.values()])
        writes = _Writes()
        results = [
            _bring_in_line(
                organization=organization,
                month=month,
                by_rep=by_month[month],
                latest=latest[month],
                signatures=signatures,
                actor=actor,
                now=(computed_at or {}).get(month) or now,
                writes=writes,
            )
            for month in wanted
        ]
        writes.write()
        if progress is not None:
            progress(1, 1)
        for result in results:
            audit_record(
                organization=organization,
                actor=actor if getattr(actor, "is_authenticated", False) else None,
                action="commissions.compute",
                object_type="commissions.month",
                object_id=result.month.isoformat(),
                after=result.as_counts(),
            )
    return results


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


def _locked(statements: Iterable[CommissionStatement]) -> list[CommissionStatement]:
    """The statements again, locked, in posting order (month, rep, revision); all of one organization."""
    ids = {statement.pk for statement in statements}
    locked = list(
        CommissionStatement.objects.select_for_update()
        .filter(pk__in=ids)
        .order_by("month", "rep_id", "revision")
    )
    if len(locked) != len(ids):
        raise CommissionStatement.DoesNotExist("A statement to approve or pay no longer exists.")
    if len({statement.organization_id for statement in locked}) > 1:
        raise ValueError("Statements are approved and paid one organization at a time.")
    return locked


def _postings(statement: CommissionStatement, lines: list[StatementLine], period_id: int) -> list[tuple]:
    """The ledger rows of one statement: reversals of what it corrects, then its own lines."""
    rows: list[tuple] = []
    if statement.revision > 1:  # only a correction has earlier revisions with entries
        for entry in _standing_entries(statement):
            rows.append(
                (
                    period_id,
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
    for line in lines:
        if line.total:
            rows.append(
                (
                    period_id,
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
    return rows


def statements_approve(
    *,
    statements: Iterable[CommissionStatement],
    actor,
    approved_at: dt.datetime | None = None,
    notify: bool = True,
) -> list[CommissionStatement]:
    """Approve drafts together (a manager's queue) in one posting to the commission ledger.

    All or nothing: a statement that is no longer a draft refuses the whole batch. Each
    statement's entries (reversals of what it corrects first) go to its month's period while
    that is open, else to the first open period; each gets its audit row. `approved_at`
    back-dates the approvals (loading history); the entries are posted now. Each rep gets an
    e-mail once it commits, unless `notify` is False (loading history).
    """
    with transaction.atomic():
        locked = _locked(statements)
        if not locked:
            return []
        for statement in locked:
            if statement.status != StatementStatus.DRAFT:
                raise ApplicationError(ERROR_NOT_DRAFT.format(status=statement.get_status_display().lower()))
        organization = locked[0].organization
        resolver = PeriodResolver(organization)
        lines: dict[int, list[StatementLine]] = defaultdict(list)
        for line in StatementLine.objects.filter(statement__in=locked).order_by(
            "statement_id", "product_line_id"
        ):
            lines[line.statement_id].append(line)
        rows: list[tuple] = []
        posted: dict[int, tuple[int, str]] = {}
        for statement in locked:
            period = resolver.posting_period(statement.month)
            own = _postings(statement, lines[statement.pk], period.pk)
            rows += own
            posted[statement.pk] = (len(own), period.label)
        ledger_append(
            spec=COMMISSION_LEDGER,
            organization_id=organization.pk,
            rows=rows,
            created_by_id=actor.pk if getattr(actor, "is_authenticated", False) else None,
        )
        now = timezone.now()
        when = approved_at or now
        CommissionStatement.objects.filter(pk__in=[s.pk for s in locked]).update(
            status=StatementStatus.APPROVED, approved_at=when, approved_by=actor, updated_at=now
        )
        for statement in locked:
            statement.status, statement.approved_at, statement.approved_by = (
                StatementStatus.APPROVED,
                when,
                actor,
            )
        audit_record_many(
            organization=organization,
            actor=actor,
            action="commissions.statement.approve",
            changes=(
                AuditChange(
                    statement,
                    before={"status": StatementStatus.DRAFT},
                    after={
                        "status": StatementStatus.APPROVED,
                        "entries": posted[statement.pk][0],
                        "period": posted[statement.pk][1],
                    },
                )
                for statement in locked
            ),
        )
        if notify:
            statements_notify(statements=locked, event="approved")
    return locked


def statement_approve(
    *, statement: CommissionStatement, actor, approved_at: dt.datetime | None = None
) -> CommissionStatement:
    """Approve a draft and post it to the commission ledger (reversing what it corrects)."""
    return statements_approve(statements=[statement], actor=actor, approved_at=approved_at)[0]


def statements_pay(
    *,
    statements: Iterable[CommissionStatement],
    actor,
    paid_at: dt.datetime | None = None,
    notify: bool = True,
) -> list[CommissionStatement]:
    """Mark approved statements paid together (a payroll run); all or nothing.

    What each statement's entries net to is what payroll pays. `paid_at` back-dates the
    payments (loading history); default now. Each rep gets an e-mail once it commits, unless
    `notify` is False (loading history).
    """
    with transaction.atomic():
        locked = _locked(statements)
        for statement in locked:
            if statement.status != StatementStatus.APPROVED:
                raise ApplicationError(
                    ERROR_NOT_APPROVED.format(status=statement.get_status_display().lower())
                )
        if not locked:
            return []
        now = timezone.now()
        when = paid_at or now
        CommissionStatement.objects.filter(pk__in=[s.pk for s in locked]).update(
            status=StatementStatus.PAID, paid_at=when, paid_by=actor, updated_at=now
        )
        for statement in locked:
            statement.status, statement.paid_at, statement.paid_by = StatementStatus.PAID, when, actor
        audit_record_many(
            organization=locked[0].organization,
            actor=actor,
            action="commissions.statement.pay",
            changes=(
                AuditChange(
                    statement,
                    before={"status": StatementStatus.APPROVED},
                    after={"status": StatementStatus.PAID},
                )
                for statement in locked
            ),
        )
        if notify:
            statements_notify(statements=locked, event="paid")
    return locked


def statement_pay(
    *, statement: CommissionStatement, actor, paid_at: dt.datetime | None = None
) -> CommissionStatement:
    """Mark an approved statement paid (what its entries net to is what payroll pays)."""
    return statements_pay(statements=[statement], actor=actor, paid_at=paid_at)[0]
