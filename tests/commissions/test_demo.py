"""seed_demo's commissions: the book, six source files imported with their totals, statements
approved and paid month by month into a verified ledger, deterministic and idempotent."""

import datetime as dt
import io
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction

from commissions.demo_data.book import history_months
from commissions.demo_data.sources import SOURCES
from commissions.demo_data.steps import demo_receipts, generated_sales, source_filename
from commissions.models import (
    BusinessObjective,
    CashReceipt,
    CommissionBasis,
    CommissionEntry,
    CommissionPeriodSeal,
    CommissionPlan,
    CommissionPlanVersion,
    CommissionStatement,
    PlanAssignment,
    RepAlias,
    SalesTransaction,
    ServiceMapping,
    StatementLine,
    StatementStatus,
    Territory,
)
from revops.demo import SeedContext
from revops.demo.specs import DEMO_ORGS
from revops.models import FiscalPeriod, ImportProfile, JobRun, Membership, Organization, Role

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 15)
SCALE = 0.05
CURRENT = dt.date(2026, 3, 1)
MONTHS = [dt.date(2025, m, 1) for m in range(1, 13)] + [dt.date(2026, m, 1) for m in (1, 2, 3)]
LAST_PAID = dt.date(2026, 1, 1)  # two months before the current one
COMMISSION_MODELS = (
    CommissionPlan,
    CommissionPlanVersion,
    PlanAssignment,
    BusinessObjective,
    RepAlias,
    Territory,
    ServiceMapping,
    ImportProfile,
    SalesTransaction,
    CashReceipt,
    CommissionStatement,
    StatementLine,
    CommissionEntry,
    CommissionPeriodSeal,
)


def _seed(seed: int = 42) -> None:
    call_command(
        "seed_demo", "--seed", str(seed), "--scale", str(SCALE), "--today", TODAY.isoformat(), "--quiet"
    )


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in COMMISSION_MODELS}


def _fingerprint() -> dict:
    """The commission rows without database ids or wall-clock times."""
    return {
        "counts": _counts(),
        "transactions": set(
            SalesTransaction.objects.values_list(
                "organization__slug",
                "dedupe_key",
                "rep__email",
                "product_line__code",
                "product__sku",
                "date",
                "quantity",
                "sales_amount",
                "commission_base",
                "source_file",
                "source_row",
            )
        ),
        "objectives": set(
            BusinessObjective.objects.values_list("rep__email", "product_line__code", "month", "amount")
        ),
        "statements": set(
            CommissionStatement.objects.values_list(
                "rep__email",
                "month",
                "revision",
                "status",
                "total",
                "approved_by__email",
                "approved_at",
                "paid_at",
            )
        ),
        "entries": set(
            CommissionEntry.objects.values_list(
                "rep__email", "product_line__code", "month", "period__start_date", "amount"
            )
        ),
    }


def _context(slug: str) -> SeedContext:
    spec = next(s for s in DEMO_ORGS if s.slug == slug)
    ctx = SeedContext(
        organization=Organization.objects.get(slug=slug),
        spec=spec,
        seed=42,
        scale=SCALE,
        today=TODAY,
        password_hash="",
    )
    ctx.rng = ctx.rng_for("commission_sales")
    return ctx


def test_same_seed_and_today_give_the_same_commission_rows():
    # given: one run, fingerprinted, then rolled back
    with transaction.atomic():
        _seed()
        first = _fingerprint()
        transaction.set_rollback(True)
    assert SalesTransaction.objects.count() == 0
    # when
    _seed()
    # then
    assert _fingerprint() == first
    assert first["counts"]["SalesTransaction"] > 0


def test_the_second_run_adds_nothing():
    # given
    _seed()
    before = _fingerprint()
    jobs = JobRun.objects.count()
    # when
    _seed()
    # then
    assert _fingerprint() == before
    assert JobRun.objects.count() == jobs


def test_six_files_in_six_layouts_import_with_the_totals_generated():
    # when
    _seed()
    # then: per organization, six profiles and six successful imports, one per layout
    for org in Organization.objects.all():
        profiles = ImportProfile.objects.filter(organization=org, kind="sales")
        assert sorted(p.name for p in profiles) == sorted(source.profile for source in SOURCES)
        layouts = Counter(p.load().format for p in profiles)
        assert layouts == {"csv": 2, "xlsx": 3, "pdf": 1}
        csv_specs = [p.load() for p in profiles if p.load().format == "csv"]
        assert {(s.delimiter, s.encoding) for s in csv_specs} == {(";", "iso8859-1"), (",", "utf-8")}
        jobs = JobRun.objects.filter(organization=org, kind="import.sales", status=JobRun.Status.SUCCEEDED)
        assert jobs.count() == 6
        # and what each file holds is what the demo generated, row for row and to the cent
        ctx = _context(org.slug)
        _catalog, generated = generated_sales(ctx)
        assert sorted(generated) == sorted(source.key for source in SOURCES)
        for source in SOURCES:
            rows = generated[source.key]
            filename = source_filename(ctx, source.filename)
            imported = SalesTransaction.objects.filter(organization=org, source_file=filename)
            assert imported.count() == len(rows), filename
            assert sum(imported.values_list("sales_amount", flat=True), Decimal(0)) == sum(
                (r.amount for r in rows), Decimal(0)
            ), filename
            assert sum(imported.values_list("commission_base", flat=True), Decimal(0)) == sum(
                (r.commission_base for r in rows), Decimal(0)
            ), filename
            by_rep: dict[int, Decimal] = defaultdict(Decimal)
            for row in rows:
                by_rep[row.rep_id] += row.amount
            imported_by_rep: dict[int, Decimal] = defaultdict(Decimal)
            for rep_id, amount in imported.values_list("rep_id", "sales_amount"):
                imported_by_rep[rep_id] += amount
            assert imported_by_rep == by_rep, filename
            job = jobs.get(params__filename=filename)
            assert Decimal(job.counts["total_sales_amount"]) == sum((r.amount for r in rows), Decimal(0))
        # a few returns and credits among them
        assert SalesTransaction.objects.filter(organization=org, sales_amount__lt=0).count() > 0


def test_every_transaction_knows_its_file_and_line():
    # when
    _seed()
    # then
    jobs = dict(JobRun.objects.filter(kind="import.sales").values_list("pk", "params__filename"))
    rows = list(
        SalesTransaction.objects.values_list("organization_id", "source_job_id", "source_file", "source_row")
    )
    assert rows
    assert all(jobs[job_id] == filename for _org, job_id, filename, _row in rows)
    assert all(row is not None and row >= 2 for *_rest, row in rows)
    assert len(set(rows)) == len(rows)  # one transaction per file line
    # the services file has no dates: its rows are dated by the period given at upload
    services = SalesTransaction.objects.filter(source_file="services-2026-02.xlsx")
    assert set(services.values_list("date", flat=True)) == {dt.date(2026, 2, 1)}


def test_the_book_has_plans_assignments_objectives_and_reference_tables():
    # when
    _seed()
    # then
    for org in Organization.objects.all():
        versions = CommissionPlanVersion.objects.filter(organization=org)
        assert {v.semantics for v in versions} == {"marginal", "retroactive"}
        assert {v.objective_period for v in versions} == {"month", "quarter", "ytd"}
        assert (
            Counter(versions.values_list("plan_id", flat=True)).most_common(1)[0][1] == 2
        )  # one plan revised
        assignments = list(
            PlanAssignment.objects.filter(organization=org).values_list("rep_id", "product_line_id")
        )
        assert assignments
        objectives = Counter(
            BusinessObjective.objects.filter(organization=org).values_list("rep_id", "product_line_id")
        )
        assert objectives == dict.fromkeys(assignments, 24)  # two fiscal years, every month
        assert not BusinessObjective.objects.filter(organization=org, amount__lte=0).exists()
        reps = Membership.objects.filter(organization=org, role=Role.REP).count()
        assert RepAlias.objects.filter(organization=org, alias__startswith="VK-").count() == reps
        assert Territory.objects.filter(organization=org).values("rep").distinct().count() == reps


def test_past_months_are_approved_by_managers_and_paid_the_current_month_is_drafts():
    # when
    _seed()
    # then
    for org in Organization.objects.all():
        ctx = _context(org.slug)
        assert history_months(ctx) == MONTHS
        reps_with_plans = PlanAssignment.objects.filter(organization=org).values("rep").distinct().count()
        manager_of = dict(
            Membership.objects.filter(organization=org, role=Role.REP).values_list(
                "user_id", "manager__user_id"
            )
        )
        for month in MONTHS:
            statements = list(CommissionStatement.objects.filter(organization=org, month=month))
            assert len(statements) == reps_with_plans, month
            if month == CURRENT:
                expected = StatementStatus.DRAFT
            elif month <= LAST_PAID:
                expected = StatementStatus.PAID
            else:
                expected = StatementStatus.APPROVED
            assert {s.status for s in statements} == {expected}, month
            if expected != StatementStatus.DRAFT:
                assert all(s.approved_by_id == manager_of[s.rep_id] for s in statements)
                assert all(s.approved_at.date() <= TODAY for s in statements)
        # every approved line is in the ledger, in the month it belongs to
        approved = CommissionStatement.objects.filter(organization=org).exclude(status=StatementStatus.DRAFT)
        entries = CommissionEntry.objects.filter(organization=org)
        assert sum(entries.values_list("amount", flat=True), Decimal(0)) == sum(
            approved.values_list("total", flat=True), Decimal(0)
        )
        assert all(period == month for month, period in entries.values_list("month", "period__start_date"))


def test_the_commission_ledger_verifies_and_each_closed_month_is_sealed_with_its_postings():
    # given
    _seed()
    for org in Organization.objects.all():
        out = io.StringIO()
        # when: a broken ledger raises CommandError
        call_command("verify_ledger", "--org", org.slug, "--ledger", "commissions", stdout=out)
        # then
        entries = CommissionEntry.objects.filter(organization=org)
        closed = FiscalPeriod.objects.filter(organization=org, status=FiscalPeriod.Status.CLOSED)
        assert out.getvalue() == (
            f"Ledger commissions intact: {entries.count()} entries, {closed.count()} period seals.\n"
        )
        for period in closed.filter(start_date__gte=MONTHS[0]):
            seal = CommissionPeriodSeal.objects.get(period=period)
            own = entries.filter(period=period)
            assert seal.entry_count == own.count()
            # posted at the month end, just before the close: the seal holds nothing later
            later = entries.filter(period__start_date__gt=period.start_date)
            assert all(seq > seal.last_sequence for seq in later.values_list("sequence", flat=True))
        assert entries.filter(period__in=closed).count() > 0


def test_the_services_plan_pays_on_cash_received_through_the_payments_import():
    # when
    _seed()
    # then: per organization, the cash receipts the demo generated, imported by one payments job
    for org in Organization.objects.all():
        ctx = _context(org.slug)
        expected = demo_receipts(ctx)
        job = JobRun.objects.get(organization=org, kind="import.payments")
        assert job.status == JobRun.Status.SUCCEEDED
        assert set(
            CashReceipt.objects.filter(organization=org).values_list(
                "dedupe_key", "document_number", "date", "amount"
            )
        ) == set(expected)
        assert {r.source_job_id for r in CashReceipt.objects.filter(organization=org)} == {job.pk}
        documents = Counter(number for _key, number, _day, _amount in expected)
        assert 1 in documents.values() and 2 in documents.values()  # some invoices are half paid
        # and the paid plan's statements count less than what was booked: only the cash received
        paid = CommissionPlan.objects.get(organization=org, versions__basis=CommissionBasis.PAID)
        lines = StatementLine.objects.filter(
            statement__organization=org, plan=paid, statement__month__in=MONTHS
        )
        counted = sum(lines.values_list("commission_base", flat=True), Decimal(0))
        booked = sum(
            SalesTransaction.objects.filter(
                organization=org,
                product_line__in=PlanAssignment.objects.filter(organization=org, plan=paid).values(
                    "product_line"
                ),
                date__gte=MONTHS[0],
            ).values_list("commission_base", flat=True),
            Decimal(0),
        )
        assert Decimal(0) < counted < booked
