"""Statements from the book: drafts follow the data, approval posts to the ledger, corrections
reverse and re-post, a paid period never changes."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import DatabaseError, transaction

from commissions.models import (
    CommissionEntry,
    CommissionPlanVersion,
    CommissionStatement,
    StatementStatus,
)
from commissions.services.statements import (
    statement_approve,
    statement_pay,
    statements_approve,
    statements_compute,
    statements_compute_months,
    statements_pay,
)
from revops.exceptions import ApplicationError
from revops.models import AuditEvent, FiscalPeriod
from revops.services.periods import period_close, periods_ensure
from tests.commissions.factories import book, sale

pytestmark = pytest.mark.django_db

JAN, FEB, MAR = dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)


@pytest.fixture
def setup(org, rep, other_rep):
    periods_ensure(organization=org, start=JAN, end=dt.date(2026, 6, 30))
    lines, plans = book(org, rep, other_rep)
    return lines, plans


def _totals(org, month):
    return {
        (s.rep_id, s.revision, s.status): s.total
        for s in CommissionStatement.objects.filter(organization=org, month=month)
    }


def _ledger_net(org, **filters):
    return sum(
        CommissionEntry.objects.filter(organization=org, **filters).values_list("amount", flat=True),
        Decimal(0),
    )


def test_computing_a_month_writes_a_draft_per_rep_with_the_engine_figures(
    org, rep, other_rep, finance_admin, setup
):
    # when
    result = statements_compute(organization=org, actor=finance_admin.user, month=MAR)
    # then: the reference's March figures (A: 687.65 + 520.00; B: 0.00 + 240.00)
    assert (result.created, result.lines) == (2, 4)
    assert _totals(org, MAR) == {
        (rep.user_id, 1, "draft"): Decimal("1207.65"),
        (other_rep.user_id, 1, "draft"): Decimal("240.00"),
    }
    statement = CommissionStatement.objects.get(rep=rep.user, month=MAR)
    line = statement.lines.get(product_line__code="q")
    assert (line.tier, line.tier2_date, line.true_up) == (2, dt.date(2026, 3, 9), Decimal("220.00"))
    assert (
        line.steps[-1]
        == "Commission: tier 1 0.00 + tier 2 300.00 + true-up of earlier months 220.00 = 520.00."
    )
    # computing again changes nothing
    again = statements_compute(organization=org, actor=finance_admin.user, month=MAR)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert AuditEvent.objects.filter(organization=org, action="commissions.compute").count() == 2


def test_approval_posts_the_lines_and_the_ledger_verifies(org, rep, manager, finance_admin, setup):
    # given
    statements_compute(organization=org, actor=finance_admin.user, month=JAN)
    statement = CommissionStatement.objects.get(rep=rep.user, month=JAN)
    # when
    statement_approve(statement=statement, actor=manager.user)
    # then
    statement.refresh_from_db()
    assert (statement.status, statement.approved_by_id) == (StatementStatus.APPROVED, manager.user_id)
    entries = CommissionEntry.objects.filter(statement=statement).order_by("sequence")
    assert [(e.kind, e.amount, e.product_line.code) for e in entries] == [
        ("original", Decimal("740.00"), "p"),
        ("original", Decimal("240.00"), "q"),
    ]
    assert {e.period.start_date for e in entries} == {JAN}
    out = io.StringIO()
    call_command("verify_ledger", "--org", org.slug, "--ledger", "commissions", stdout=out)
    assert out.getvalue().startswith("Ledger commissions intact: 2 entries")
    # and approving twice is refused without posting anything
    with pytest.raises(ApplicationError, match="this one is approved"):
        statement_approve(statement=statement, actor=manager.user)
    assert CommissionEntry.objects.count() == 2


def test_a_late_sale_after_approval_becomes_a_correction_that_reverses_and_reposts(
    org, rep, manager, finance_admin, setup
):
    # given: January approved, then paid, and the month closed
    lines, _ = setup
    statements_compute(organization=org, actor=finance_admin.user, month=JAN)
    first = CommissionStatement.objects.get(rep=rep.user, month=JAN)
    statement_approve(statement=first, actor=manager.user)
    statement_pay(statement=first, actor=finance_admin.user)
    period_close(period=FiscalPeriod.objects.get(organization=org, start_date=JAN), actor=finance_admin.user)
    # when: a January sale arrives late and January is computed again
    sale(org, rep.user, lines["P"], "2026-01-28", "1000")
    result = statements_compute(organization=org, actor=finance_admin.user, month=JAN)
    # then: the paid statement is untouched; a second revision corrects it
    assert result.corrections == 1
    first.refresh_from_db()
    assert (first.status, first.total, first.revision) == (StatementStatus.PAID, Decimal("980.00"), 1)
    correction = CommissionStatement.objects.get(rep=rep.user, month=JAN, revision=2)
    assert (correction.corrects_id, correction.status, correction.total) == (
        first.pk,
        StatementStatus.DRAFT,
        Decimal("1060.00"),  # A/P: 10,000 × 5 % + 4,000 × 8 % = 820; A/Q 240
    )
    # when: the correction is approved
    statement_approve(statement=correction, actor=manager.user)
    # then: reversals of the first revision and new originals, in the first open period
    posted = CommissionEntry.objects.filter(statement=correction).order_by("sequence")
    assert [(e.kind, e.amount) for e in posted] == [
        ("reversal", Decimal("-740.00")),
        ("reversal", Decimal("-240.00")),
        ("original", Decimal("820.00")),
        ("original", Decimal("240.00")),
    ]
    assert {e.period.start_date for e in posted} == {FEB}
    assert {e.month for e in posted} == {JAN}
    assert _ledger_net(org, rep=rep.user, month=JAN) == Decimal("1060.00")
    assert _ledger_net(org, period__start_date=JAN) == Decimal("980.00")  # the closed month as it was
    call_command("verify_ledger", "--org", org.slug, "--ledger", "commissions", stdout=io.StringIO())


def test_a_plan_change_after_a_paid_period_changes_nothing_in_it(org, rep, manager, finance_admin, setup):
    # given: January approved and paid
    _, plans = setup
    statements_compute(organization=org, actor=finance_admin.user, month=JAN)
    first = CommissionStatement.objects.get(rep=rep.user, month=JAN)
    statement_approve(statement=first, actor=manager.user)
    statement_pay(statement=first, actor=finance_admin.user)
    entries_before = list(CommissionEntry.objects.values_list("pk", "amount"))
    # when: A/P's rates rise from March, and January is computed again
    CommissionPlanVersion.objects.create(
        organization=org,
        plan=plans["AP"],
        version=2,
        effective_from=MAR,
        tier1_rate=Decimal("6"),
        tier2_rate=Decimal("9"),
    )
    result = statements_compute(organization=org, actor=finance_admin.user, month=JAN)
    march = statements_compute(organization=org, actor=finance_admin.user, month=MAR)
    # then: January keeps its one paid revision and its entries; March uses version 2
    assert (result.corrections, result.unchanged) == (0, 2)
    assert CommissionStatement.objects.filter(rep=rep.user, month=JAN).count() == 1
    assert list(CommissionEntry.objects.values_list("pk", "amount")) == entries_before
    assert march.created == 2
    line = CommissionStatement.objects.get(rep=rep.user, month=MAR).lines.get(product_line__code="p")
    assert (line.plan_version, line.total) == (2, Decimal("811.11"))


def test_only_approved_statements_are_paid_and_the_ledger_refuses_edits(
    org, rep, manager, finance_admin, setup
):
    # given
    statements_compute(organization=org, actor=finance_admin.user, month=JAN)
    statement = CommissionStatement.objects.get(rep=rep.user, month=JAN)
    # when / then: a draft cannot be paid, and nothing changed
    with pytest.raises(ApplicationError, match="this one is draft"):
        statement_pay(statement=statement, actor=finance_admin.user)
    statement.refresh_from_db()
    assert statement.status == StatementStatus.DRAFT
    statement_approve(statement=statement, actor=manager.user)
    entry = CommissionEntry.objects.filter(statement=statement).first()
    with pytest.raises(DatabaseError), transaction.atomic():
        CommissionEntry.objects.filter(pk=entry.pk).update(amount=Decimal("1.00"))
    with pytest.raises(DatabaseError), transaction.atomic():
        CommissionEntry.objects.filter(pk=entry.pk).delete()
    entry.refresh_from_db()
    assert entry.amount == Decimal("740.00")
    with pytest.raises(DatabaseError), transaction.atomic():
        CommissionPlanVersion.objects.update(tier1_rate=Decimal("1"))
    assert set(CommissionPlanVersion.objects.values_list("tier1_rate", flat=True)) == {
        Decimal("5"),
        Decimal("4"),
        Decimal("3"),
        Decimal("2"),
    }


def test_closing_a_month_seals_the_commission_ledger_too(org, rep, manager, finance_admin, setup):
    # given: January approved
    statements_compute(organization=org, actor=finance_admin.user, month=JAN)
    statement_approve(statement=CommissionStatement.objects.get(rep=rep.user, month=JAN), actor=manager.user)
    # when
    period_close(period=FiscalPeriod.objects.get(organization=org, start_date=JAN), actor=finance_admin.user)
    # then
    from commissions.models import CommissionPeriodSeal

    seal = CommissionPeriodSeal.objects.get(organization=org, period__start_date=JAN)
    assert (seal.entry_count, seal.total_amount, seal.last_sequence) == (2, Decimal("980.00"), 2)
    out = io.StringIO()
    call_command("verify_ledger", "--org", org.slug, "--ledger", "commissions", stdout=out)
    assert out.getvalue() == "Ledger commissions intact: 2 entries, 1 period seals.\n"


def test_a_batch_is_approved_in_one_posting_and_paid_in_one_run_back_dated(
    org, rep, other_rep, manager, finance_admin, setup
):
    # given: January's two drafts
    statements_compute(
        organization=org,
        actor=finance_admin.user,
        month=JAN,
        computed_at=dt.datetime(2026, 2, 1, 7, tzinfo=dt.UTC),
    )
    drafts = list(CommissionStatement.objects.filter(organization=org, month=JAN))
    approved_at = dt.datetime(2026, 2, 3, 10, tzinfo=dt.UTC)
    # when
    approved = statements_approve(statements=drafts, actor=manager.user, approved_at=approved_at)
    paid = statements_pay(
        statements=approved, actor=finance_admin.user, paid_at=dt.datetime(2026, 2, 25, 12, tzinfo=dt.UTC)
    )
    # then: both posted together after the same head, each with its audit row, as of the dates given
    statements = list(CommissionStatement.objects.filter(organization=org, month=JAN).order_by("rep_id"))
    assert [(s.status, s.approved_at, s.approved_by_id) for s in statements] == [
        (StatementStatus.PAID, approved_at, manager.user_id)
    ] * 2
    assert {s.computed_at for s in statements} == {dt.datetime(2026, 2, 1, 7, tzinfo=dt.UTC)}
    assert [s.pk for s in paid] == [s.pk for s in approved]
    entries = CommissionEntry.objects.filter(organization=org)
    assert _ledger_net(org) == sum((s.total for s in statements), Decimal(0))
    assert set(entries.values_list("statement_id", flat=True)) == {s.pk for s in statements}
    for action in ("commissions.statement.approve", "commissions.statement.pay"):
        audits = AuditEvent.objects.filter(organization=org, action=action)
        assert sorted(audits.values_list("object_id", flat=True)) == sorted(str(s.pk) for s in statements)
    call_command("verify_ledger", "--org", org.slug, "--ledger", "commissions", stdout=io.StringIO())


def test_a_batch_with_one_statement_already_approved_is_refused_whole(
    org, rep, other_rep, manager, finance_admin, setup
):
    # given: one of January's drafts approved already
    statements_compute(organization=org, actor=finance_admin.user, month=JAN)
    first, second = CommissionStatement.objects.filter(organization=org, month=JAN).order_by("rep_id")
    statement_approve(statement=first, actor=manager.user)
    entries = CommissionEntry.objects.count()
    # when / then
    with pytest.raises(ApplicationError, match="this one is approved"):
        statements_approve(statements=[first, second], actor=manager.user)
    second.refresh_from_db()
    assert second.status == StatementStatus.DRAFT
    assert CommissionEntry.objects.count() == entries
    assert AuditEvent.objects.filter(action="commissions.statement.approve").count() == 1


def test_several_months_computed_in_one_run_equal_each_month_computed_alone(
    org, rep, other_rep, finance_admin, setup
):
    # given: the quarter computed month by month, figures kept, then rolled back
    with transaction.atomic():
        for month in (JAN, FEB, MAR):
            statements_compute(organization=org, actor=finance_admin.user, month=month)
        one_by_one = {month: _totals(org, month) for month in (JAN, FEB, MAR)}
        transaction.set_rollback(True)
    # when
    results = statements_compute_months(organization=org, actor=finance_admin.user, months=[MAR, JAN, FEB])
    # then: the same drafts, one result and one audit row per month, in month order
    assert {month: _totals(org, month) for month in (JAN, FEB, MAR)} == one_by_one
    assert [(r.month, r.created, r.lines) for r in results] == [(JAN, 2, 4), (FEB, 2, 4), (MAR, 2, 4)]
    audits = AuditEvent.objects.filter(organization=org, action="commissions.compute")
    assert sorted(audits.values_list("object_id", flat=True)) == ["2026-01-01", "2026-02-01", "2026-03-01"]
