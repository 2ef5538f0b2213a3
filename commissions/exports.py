"""Commissions' exports (see revops.export_registry), built from the pages' selectors.

- commissions-payouts: the payroll file of the statements page: approved and paid statements
  of its filters, each with what its ledger entries net to (rep e-mail, name, month, amount);
- commissions-statement: one statement per rep: its lines, each line's computation step by
  step, the transactions behind them (file and row) and its ledger entries;
- commissions-sales: the sales history as filtered on its page, with source file and row;
- commissions-uploads: loaded transactions per product line × month of the fiscal year;
- commissions-analysis: the analysis page's pivot (rows, columns, measure, totals);
- commissions-objectives: the objectives grid of a fiscal year, in the columns the
  `objectives` import kind reads back.

Every one reads as its page does (same selectors, same member scope, same capability).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from decimal import Decimal

from django.http import QueryDict

from commissions.analytics import DIMENSIONS, MEASURES
from commissions.models import SalesTransaction
from commissions.permissions import CommissionCap
from commissions.selectors.analysis import analysis_choice, analysis_table
from commissions.selectors.objectives import objective_grid
from commissions.selectors.reps import reps_in_scope
from commissions.selectors.sales import transaction_list, transaction_totals, upload_status, upload_year_start
from commissions.selectors.statements import (
    payout_list,
    statement_detail,
    statement_get,
    statement_list,
    statement_transactions,
)
from commissions.services.objectives_import import EXPORT_HEADERS as OBJECTIVE_EXPORT_HEADERS
from revops.export_registry import ExportData, ExportSpec, export_register
from revops.exports import ExportTable
from revops.formatting import format_money
from revops.labels import label_for
from revops.models import Membership, ProductLine, User
from revops.selectors.periods import fiscal_year_range, organization_today

ZERO = Decimal("0.00")
PAYOUT_HEADERS = ("Rep e-mail", "Rep", "Month", "Revision", "Status", "Statement total", "Amount")
LINE_HEADERS = (
    "Product line",
    "Plan",
    "Transactions",
    "Sales",
    "Commission base",
    "Objective",
    "Window objective",
    "Window base",
    "Attainment %",
    "Tier",
    "Tier 2 reached",
    "Tier 1",
    "Tier 2",
    "True-up",
    "Adjustments",
    "Total",
)
STEP_HEADERS = ("Product line", "Step", "Computation")
TRANSACTION_HEADERS = (
    "Date",
    "Product line",
    "Rep",
    "Customer",
    "Document",
    "SKU",
    "Quantity",
    "Sales",
    "Revenue",
    "Commission base",
    "Currency",
    "Source file",
    "Source row",
)
ENTRY_HEADERS = ("Sequence", "Posted", "Kind", "Product line", "Month", "Period", "Amount", "Hash")


def _filters_in_words(*, membership: Membership, data: Mapping) -> str:
    reps = {str(r.user_id): r.name for r in reps_in_scope(membership=membership)} if data.get("rep") else {}
    parts = []
    for name, value in data.items():
        if not value or name in ("sort", "export", "page", "period"):
            continue
        if name == "rep":
            text = reps.get(str(value), f"#{value}")
        elif name == "product_line":
            line = ProductLine.objects.filter(organization_id=membership.organization_id, pk=value).first()
            text = line.name if line is not None else f"#{value}"
        elif name == "status":
            text = label_for("statement_status", value)
        else:
            text = str(value)
        parts.append(f"{name.replace('_', ' ')} = {text}")
    return ", ".join(parts) or "none (every row you may see)"


def _stamp(membership: Membership) -> str:
    return f"{organization_today(membership.organization):%Y-%m-%d}"


def payout_export(*, membership: Membership, params: QueryDict) -> ExportData:
    filterset, _ = statement_list(membership=membership, filters=params)
    rows = payout_list(membership=membership, filters=params)
    currency = membership.organization.currency
    total = sum((r.amount for r in rows), ZERO)
    data = [
        (
            r.rep_email,
            r.rep_name,
            r.month.strftime("%Y-%m"),
            r.revision,
            r.status,
            r.statement_total,
            r.amount,
        )
        for r in rows
    ]
    return ExportData(
        filename=f"commission-payouts-{_stamp(membership)}",
        title="Commission payouts",
        tables=[ExportTable("Payouts", PAYOUT_HEADERS, data, len(data))],
        summary=[
            ("Filters", _filters_in_words(membership=membership, data=filterset.form.data)),
            ("Statements", "approved and paid; the amount is what each statement's ledger entries net to"),
            ("Total", f"{format_money(total, currency, exact=True)} in {len(data):,} statements"),
        ],
    )


def _transaction_row(t: SalesTransaction) -> tuple:
    return (
        t.date,
        t.product_line.name,
        t.rep.email,
        t.customer,
        t.document_number,
        t.sku,
        t.quantity,
        t.sales_amount,
        t.revenue_amount,
        t.commission_base,
        t.currency,
        t.source_file,
        t.source_row,
    )


def statement_export(*, membership: Membership, params: QueryDict, pk: int) -> ExportData:
    statement = statement_get(membership=membership, pk=pk)
    detail = statement_detail(statement=statement)
    lines = [
        (
            row.line.product_line.name,
            f"{row.line.plan.name} v{row.line.plan_version}",
            row.line.transactions,
            row.line.sales_actual,
            row.line.commission_base,
            row.line.objective,
            row.line.window_objective,
            row.line.window_base,
            row.line.attainment_percent,
            row.line.tier,
            row.line.tier2_date,
            row.line.tier1_commission,
            row.line.tier2_commission,
            row.line.true_up,
            row.line.adjustments,
            row.line.total,
        )
        for row in detail.lines
    ]
    steps = [
        (row.line.product_line.name, number, text)
        for row in detail.lines
        for number, text in enumerate(row.line.steps, start=1)
    ]
    transactions = statement_transactions(membership=membership, statement=statement)
    entries = [
        (
            e.sequence,
            e.created_at,
            e.get_kind_display(),
            e.product_line.name,
            e.month,
            str(e.period),
            e.amount,
            e.hash,
        )
        for e in detail.entries
    ]
    currency = statement.currency
    rep = statement.rep
    summary = [
        ("Rep", f"{rep.get_full_name() or rep.email} ({rep.email})"),
        ("Month", f"{statement.month:%B %Y}, revision {statement.revision}"),
        ("Status", label_for("statement_status", statement.status)),
        ("Commission", format_money(statement.total, currency, exact=True)),
        ("Ledger", f"{format_money(detail.ledger_net, currency, exact=True)} in {len(entries):,} entries"),
    ]
    if statement.corrects is not None:
        summary.append(
            (
                "Corrects",
                f"revision {statement.corrects.revision} ({format_money(statement.corrects.total, currency, exact=True)})",
            )
        )
    return ExportData(
        filename=f"commission-statement-{statement.month:%Y-%m}-r{statement.revision}-{statement.pk}",
        title=f"Commission statement {statement.month:%B %Y}: {rep.get_full_name() or rep.email}",
        tables=[
            ExportTable("Lines", LINE_HEADERS, lines, len(lines)),
            ExportTable("Computation", STEP_HEADERS, steps, len(steps)),
            ExportTable(
                "Transactions",
                TRANSACTION_HEADERS,
                [_transaction_row(t) for t in transactions],
                len(transactions),
            ),
            ExportTable("Ledger entries", ENTRY_HEADERS, entries, len(entries)),
        ],
        summary=summary,
    )


def _sales_rows(qs) -> Iterator[tuple]:
    for t in qs.iterator(chunk_size=2000):
        yield _transaction_row(t)


def sales_export(*, membership: Membership, params: QueryDict) -> ExportData:
    filterset, qs = transaction_list(membership=membership, filters=params)
    totals = transaction_totals(qs)
    currency = membership.organization.currency
    return ExportData(
        filename=f"sales-history-{_stamp(membership)}",
        title="Sales history",
        tables=[ExportTable("Transactions", TRANSACTION_HEADERS, _sales_rows(qs), totals.count)],
        summary=[
            ("Filters", _filters_in_words(membership=membership, data=filterset.form.data)),
            (
                "Total",
                f"sales {format_money(totals.sales, currency, exact=True)}, commission base "
                f"{format_money(totals.base, currency, exact=True)} in {totals.count:,} transactions",
            ),
        ],
    )


def uploads_export(*, membership: Membership, params: QueryDict) -> ExportData:
    today = organization_today(membership.organization)
    year_start = upload_year_start(
        organization=membership.organization, wanted=params.get("year"), today=today
    )
    status = upload_status(membership=membership, year_start=year_start, today=today)
    rows = [
        (row.product_line.name, cell.month.strftime("%Y-%m"), cell.count, cell.state, ", ".join(cell.files))
        for row in status.rows
        for cell in row.cells
    ]
    files = [(name, count) for name, count in status.files]
    return ExportData(
        filename=f"sales-uploads-{year_start:%Y}-{_stamp(membership)}",
        title=f"Sales uploads, fiscal year from {year_start:%B %Y}",
        tables=[
            ExportTable(
                "By product line and month",
                ("Product line", "Month", "Transactions", "State", "Files"),
                rows,
                len(rows),
            ),
            ExportTable("Files", ("File", "Transactions"), files, len(files)),
        ],
        summary=[("Missing", f"{status.missing} product-line months without transactions so far")],
    )


def objectives_export(*, membership: Membership, params: QueryDict) -> ExportData:
    """The objectives grid of a fiscal year, one row per cell, in the columns the import reads."""
    today = organization_today(membership.organization)
    current = fiscal_year_range(membership.organization, today).start
    assert current is not None  # a fiscal year is always bounded
    wanted = params.get("year", "")
    year_start = (
        current.replace(year=int(wanted)) if wanted.isdigit() and 2000 <= int(wanted) <= 2100 else current
    )
    grid = objective_grid(membership=membership, year_start=year_start)
    users = dict(User.objects.filter(pk__in={row.rep_id for row in grid.rows}).values_list("pk", "email"))
    codes = dict(
        ProductLine.objects.filter(
            organization=membership.organization, pk__in={row.product_line_id for row in grid.rows}
        ).values_list("pk", "code")
    )
    rows = [
        (
            users.get(row.rep_id, ""),
            row.rep_name,
            codes.get(row.product_line_id, ""),
            row.product_line,
            cell.month.strftime("%Y-%m"),
            cell.amount,
        )
        for row in grid.rows
        for cell in row.cells
        if cell.amount is not None
    ]
    return ExportData(
        filename=f"objectives-{year_start:%Y}-{_stamp(membership)}",
        title=f"Objectives, fiscal year from {year_start:%B %Y}",
        tables=[ExportTable("Objectives", OBJECTIVE_EXPORT_HEADERS, rows, len(rows))],
        summary=[("Total", format_money(grid.total, membership.organization.currency, exact=True))],
    )


def analysis_export(*, membership: Membership, params: QueryDict) -> ExportData:
    """The analysis page's pivot as it is shown (rows, columns, measure), totals included."""
    today = organization_today(membership.organization)
    current = fiscal_year_range(membership.organization, today).start
    assert current is not None  # a fiscal year is always bounded
    wanted = params.get("year", "")
    year_start = (
        current.replace(year=int(wanted)) if wanted.isdigit() and 2000 <= int(wanted) <= 2100 else current
    )
    choice = analysis_choice(params)
    table = analysis_table(membership=membership, year_start=year_start, choice=choice)
    headers = (DIMENSIONS[choice.rows], *(str(c) for c in table.columns))
    rows = [
        (str(index), *values)
        for index, values in zip(table.index, table.itertuples(index=False), strict=True)
    ]
    return ExportData(
        filename=f"sales-analysis-{year_start:%Y}-{_stamp(membership)}",
        title=f"{MEASURES[choice.measure]} by {DIMENSIONS[choice.rows].lower()}, fiscal year from {year_start:%B %Y}",
        tables=[ExportTable("Analysis", headers, rows, len(rows))],
        summary=[("Columns", DIMENSIONS.get(choice.columns or "", "none"))],
    )


def register_exports() -> None:
    for spec in (
        ExportSpec(
            key="commissions-payouts",
            page="commissions:statements",
            label="Commission payouts",
            cap=CommissionCap.VIEW,
            build=payout_export,
            formats=("csv", "xlsx", "pdf"),
        ),
        ExportSpec(
            key="commissions-statement",
            page="commissions:statement",
            label="Commission statement",
            cap=CommissionCap.VIEW,
            build=statement_export,
            formats=("csv", "xlsx", "pdf"),
            url_kwargs=("pk",),
        ),
        ExportSpec(
            key="commissions-sales",
            page="commissions:sales",
            label="Sales history",
            cap=CommissionCap.VIEW,
            build=sales_export,
            formats=("csv", "xlsx"),
        ),
        ExportSpec(
            key="commissions-uploads",
            page="commissions:uploads",
            label="Sales uploads",
            cap=CommissionCap.VIEW,
            build=uploads_export,
            formats=("csv", "xlsx"),
        ),
        ExportSpec(
            key="commissions-analysis",
            page="commissions:analysis",
            label="Sales analysis",
            cap=CommissionCap.VIEW,
            build=analysis_export,
            formats=("csv", "xlsx"),
        ),
        ExportSpec(
            key="commissions-objectives",
            page="commissions:objectives",
            label="Objectives",
            cap=CommissionCap.VIEW,
            build=objectives_export,
            formats=("csv", "xlsx"),
        ),
    ):
        export_register(spec)
