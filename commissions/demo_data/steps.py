"""The demo's commission steps: the book, the six source files imported, the statements.

- `seed_commission_book` (OPEN_BOOKS): plans, assignments, objectives and reference tables;
- `seed_commission_sales` (OPEN_BOOKS): the six source files written and imported through the
  import service, as an upload would be (every transaction knows its file and line); the cash
  received for the invoices of the plans paid on cash, imported through the payments import;
  then every month's statements computed as drafts, in one run of the engine;
- `commission_month_end`: before the demo closes a month, its statements are approved by each
  rep's manager (posted to the commission ledger in that month) and paid by finance with the
  following month's payroll;
- `seed_commission_statements` (CLOSED_BOOKS): the past months still open approved (paid when
  two months old); the current month's statements stay drafts.

Computations, approvals and payments go through the statement services, back-dated to when
they would have happened (never after the demo's today); only the ledger entries carry the
time they were really posted.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zlib
from collections import defaultdict
from decimal import Decimal

from django.db.models import Min, Sum

from commissions.demo_data.book import add_months, history_months
from commissions.demo_data.sales import SERVICES_SOURCE, Catalog, DemoSale, demo_sales, services_month
from commissions.demo_data.sources import SOURCES, Heading
from commissions.models import (
    CommissionBasis,
    CommissionStatement,
    PlanAssignment,
    SalesTransaction,
    StatementStatus,
)
from commissions.selectors.inputs import month_end
from commissions.services.receipts_import import RECEIPTS_IMPORT
from commissions.services.sales_import import CENT, IMPORT_KIND
from commissions.services.statements import statements_approve, statements_compute_months, statements_pay
from revops.demo import SeedContext
from revops.imports.profiles import ProfileSpec
from revops.models import FiscalPeriod, ImportProfile, JobRun, Membership, Role, User
from revops.services.imports import Mode, import_job_run, import_submit

COMPUTE_DELAY_DAYS = 1  # statements are computed the day after the month ends
APPROVE_DELAY_DAYS = 3  # managers approve within three days
PAY_DELAY_DAYS = 25  # finance pays with the following month's payroll
PAID_AFTER_MONTHS = 2  # a month's statements are paid once it is two months old
RECEIPT_DAYS = (20, 50)  # customers pay an invoice in two halves, this many days after it
HALF_PAID_ONE_IN = 7  # about one invoice in seven has only its first half paid


class DemoFileRefused(RuntimeError):
    """A generated file did not import: the demo and the sales import disagree."""


def assigned_lines(ctx: SeedContext) -> dict[int, set[int]]:
    """The product lines each rep is paid on."""
    assigned: dict[int, set[int]] = defaultdict(set)
    for rep_id, line_id in PlanAssignment.objects.filter(organization=ctx.organization).values_list(
        "rep_id", "product_line_id"
    ):
        assigned[rep_id].add(line_id)
    return assigned


def source_filename(ctx: SeedContext, template: str) -> str:
    return template.format(month=f"{services_month(ctx):%Y-%m}")


def generated_sales(ctx: SeedContext) -> tuple[Catalog, dict[str, list[DemoSale]]]:
    """The names and the sales by source the "commission_sales" step writes with `ctx.rng`."""
    catalog = Catalog.load(ctx)
    return catalog, demo_sales(ctx, catalog, assigned_lines(ctx))


def seed_commission_sales(ctx: SeedContext) -> dict[str, int]:
    """Write the six source files of the last 15 months, import each through its profile, and
    compute every month's statements (drafts: the month ends approve them)."""
    org = ctx.organization
    catalog, sales = generated_sales(ctx)
    heading = Heading(organization=org.name, currency=org.currency, today=ctx.today)
    importer = ctx.finance_user()
    files = transactions = 0
    for source in SOURCES:
        rows = sales.get(source.key, [])
        if not rows:
            continue
        profile = ImportProfile(
            organization=org, kind=IMPORT_KIND, name=source.profile, spec=source.spec(heading)
        )
        profile.full_clean()
        profile.save()
        spec = profile.load()
        if source.key == SERVICES_SOURCE:
            month = services_month(ctx)
            spec = spec.with_period(month.year, month.month)
        filename = source_filename(ctx, source.filename)
        job = _import(ctx, importer, spec, source.profile, filename, source.render(rows, catalog, heading))
        files += 1
        transactions += job.counts.get("transactions", 0)
    receipts = _import_receipts(ctx, importer)
    return {
        "sales_files": files,
        "sales_transactions": transactions,
        "cash_receipts": receipts,
        "statements": _compute_history(ctx),
    }


def demo_receipts(ctx: SeedContext) -> list[tuple[str, str, dt.date, Decimal]]:
    """(key, document, date, amount) of the cash received for the paid-basis plans' documents.

    Every invoice of a product line paid on cash is paid in two halves, 20 and 50 days after
    its first sale (receipts after the demo's today are not in yet); about one invoice in seven
    stays half paid, so its lines have counted half their base. Chosen from the document
    number, not drawn: the other steps' draws stay as they were.
    """
    org = ctx.organization
    paid_lines = PlanAssignment.objects.filter(
        organization=org, plan__versions__basis=CommissionBasis.PAID
    ).values("product_line_id")
    documents = (
        SalesTransaction.objects.filter(organization=org, product_line_id__in=paid_lines)
        .exclude(document_number="")
        .values("document_number")
        .annotate(total=Sum("sales_amount"), first=Min("date"))
        .order_by("document_number")
    )
    receipts = []
    for document in documents:
        number, total, first = document["document_number"], document["total"], document["first"]
        half = (total / 2).quantize(CENT)
        instalments = [(RECEIPT_DAYS[0], half)]
        if zlib.crc32(number.encode()) % HALF_PAID_ONE_IN:
            instalments.append((RECEIPT_DAYS[1], total - half))
        for index, (days, amount) in enumerate(instalments, start=1):
            day = first + dt.timedelta(days=days)
            if amount and day <= ctx.today:
                receipts.append((f"{number}/R{index}", number, day, amount))
    return receipts


def _import_receipts(ctx: SeedContext, importer) -> int:
    """The cash receipts as the bank export a finance user uploads, through the payments import."""
    receipts = demo_receipts(ctx)
    if not receipts:
        return 0
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(RECEIPTS_IMPORT.fields())
    writer.writerows(
        (key, number, f"{day:%Y-%m-%d}", f"{amount:.2f}") for key, number, day, amount in receipts
    )
    job, _queued = import_submit(
        organization=ctx.organization,
        actor=importer,
        kind_name=RECEIPTS_IMPORT.name,
        content=out.getvalue().encode(),
        filename=f"payments-{ctx.today:%Y-%m}.csv",
        mode=Mode.APPLY,
    )
    job = import_job_run(job_run_id=job.pk)
    if job.status != JobRun.Status.SUCCEEDED:
        raise DemoFileRefused(f"payments: {job.error}")
    return job.counts.get("receipts", 0)


def _import(
    ctx: SeedContext, importer, spec: ProfileSpec, profile: str, filename: str, content: bytes
) -> JobRun:
    job, _queued = import_submit(
        organization=ctx.organization,
        actor=importer,
        kind_name=IMPORT_KIND,
        content=content,
        filename=filename,
        profile=profile,
        spec=spec,
        mode=Mode.APPLY,
    )
    # Run it here rather than in the task queued after commit: the task finds it done.
    job = import_job_run(job_run_id=job.pk)
    if job.status != JobRun.Status.SUCCEEDED:
        raise DemoFileRefused(f"{filename}: {job.error}")
    return job


def _at(ctx: SeedContext, day: dt.date, hour: int) -> dt.datetime:
    return ctx.at(min(day, ctx.today), hour)


def _compute_history(ctx: SeedContext) -> int:
    """Every history month's statements as drafts, each computed the day after its month ended."""
    months = history_months(ctx)
    results = statements_compute_months(
        organization=ctx.organization,
        actor=ctx.finance_user(),
        months=months,
        computed_at={
            month: _at(ctx, month_end(month) + dt.timedelta(days=COMPUTE_DELAY_DAYS), 7) for month in months
        },
    )
    return sum(result.created for result in results)


def _settle(ctx: SeedContext, month: dt.date) -> dict[str, int]:
    """Approve a month's drafts as each rep's manager; pay them as finance once old enough."""
    org = ctx.organization
    end = month_end(month)
    drafts = list(
        CommissionStatement.objects.filter(
            organization=org, month=month, status=StatementStatus.DRAFT
        ).order_by("rep__email")
    )
    if not drafts:
        return {}
    org_wide = ctx.members(Role.MANAGER, org_wide=True)
    fallback = org_wide[0].user if org_wide else ctx.members(Role.ADMIN)[0].user
    manager_of = dict(
        Membership.objects.filter(organization=org, role=Role.REP).values_list("user_id", "manager__user_id")
    )
    managers = User.objects.in_bulk({m for m in manager_of.values() if m is not None})
    queues: dict[int, list[CommissionStatement]] = defaultdict(list)  # each manager's approval queue
    for statement in drafts:
        queues[manager_of.get(statement.rep_id) or 0].append(statement)
    approved = []
    for manager_id, queue in sorted(queues.items()):
        approved += statements_approve(
            statements=queue,
            actor=managers.get(manager_id, fallback),
            approved_at=_at(ctx, end + dt.timedelta(days=APPROVE_DELAY_DAYS), 10),
            notify=False,  # history: nobody is mailed about months long settled
        )
    counts = {"statements_approved": len(approved)}
    if month <= add_months(ctx.today.replace(day=1), -PAID_AFTER_MONTHS):
        paid = statements_pay(
            statements=approved,
            actor=ctx.finance_user(),
            paid_at=_at(ctx, end + dt.timedelta(days=PAY_DELAY_DAYS), 12),
            notify=False,
        )
        counts["statements_paid"] = len(paid)
    return counts


def commission_month_end(ctx: SeedContext, period: FiscalPeriod) -> dict[str, int]:
    """Settle the month's statements just before finance closes it, so its postings land in it."""
    if period.start_date not in history_months(ctx):
        return {}
    return _settle(ctx, period.start_date)


def seed_commission_statements(ctx: SeedContext) -> dict[str, int]:
    """Settle the past history months still in draft; the current month's stay drafts.

    These are the months still open, and every month when the demo's books were closed
    before the commission steps existed (their postings then land in the first open period).
    """
    current = ctx.today.replace(day=1)
    counts: dict[str, int] = defaultdict(int)
    for month in history_months(ctx):
        if month < current:
            for key, value in _settle(ctx, month).items():
                counts[key] += value
    return dict(counts)
