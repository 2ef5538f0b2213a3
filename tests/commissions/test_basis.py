"""Commission basis: plans count sales when booked, invoiced, or paid pro rata to cash received.
Hand-computed cases, the engine alone and through the statements."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command

from commissions.engine import (
    Assignment,
    Basis,
    DocumentLine,
    ObjectivePeriod,
    PlanTerms,
    Receipt,
    Semantics,
    compute_commissions,
    frame_from_rows,
    month_index,
    paid_frame,
    paid_rows,
)
from commissions.models import CashReceipt, CommissionStatement, SalesTransaction
from commissions.services.statements import statements_compute_months
from revops.models import AuditEvent, ImportProfile
from revops.services.periods import periods_ensure
from tests.commissions.factories import assign, objectives, plan
from tests.revops.factories import ProductLineFactory

JAN, FEB, MAR = dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)


def test_each_receipt_releases_the_same_share_of_every_line_of_its_document():
    # given: document D, 600 for rep 1 and 400 for rep 2 (1,000); 300, 700, then 100 too many
    lines = [DocumentLine("D", 1, 10, 60000, 60000, 60000), DocumentLine("D", 2, 20, 40000, 40000, 40000)]
    receipts = [
        Receipt("D", dt.date(2026, 2, 10), 70000),
        Receipt("D", dt.date(2026, 1, 15), 30000),
        Receipt("D", dt.date(2026, 3, 1), 10000),
        Receipt("UNKNOWN", dt.date(2026, 1, 2), 5000),
    ]
    # when
    rows = paid_rows(lines, receipts)
    # then: 30 % then the other 70 %; the over-payment and the unknown document release nothing
    assert rows == [
        (1, 10, dt.date(2026, 1, 15), 18000, 18000, 18000),
        (2, 20, dt.date(2026, 1, 15), 12000, 12000, 12000),
        (1, 10, dt.date(2026, 2, 10), 42000, 42000, 42000),
        (2, 20, dt.date(2026, 2, 10), 28000, 28000, 28000),
    ]


def test_shares_round_on_the_running_total_so_a_paid_document_counts_its_lines_exactly():
    # given: 1.00 and 2.00 on one invoice of 3.00, paid 1.00 then 2.00
    lines = [DocumentLine("E", 1, 10, 100, 100, 100), DocumentLine("E", 1, 11, 200, 200, 200)]
    receipts = [Receipt("E", dt.date(2026, 1, 5), 100), Receipt("E", dt.date(2026, 1, 20), 200)]
    # when
    rows = paid_rows(lines, receipts)
    # then: 1/3 of 1.00 = 0.3333 → 0.33, of 2.00 = 0.6667 → 0.67; then the rest of each
    assert [(line, base) for _rep, line, _day, base, _s, _r in rows] == [
        (10, 33),
        (11, 67),
        (10, 67),
        (11, 133),
    ]


def test_a_refund_takes_back_what_it_repays():
    # given: 1,000 paid in January, 250 refunded in February
    lines = [DocumentLine("F", 1, 10, 100000, 100000, 100000)]
    receipts = [Receipt("F", dt.date(2026, 1, 5), 100000), Receipt("F", dt.date(2026, 2, 5), -25000)]
    # then
    assert [row[3] for row in paid_rows(lines, receipts)] == [100000, -25000]


def _terms(basis: Basis) -> PlanTerms:
    return PlanTerms(1, 1, Decimal("10"), Decimal("20"), Semantics.MARGINAL, ObjectivePeriod.MONTH, basis)


def test_the_engine_counts_a_paid_plan_in_the_months_cash_arrives():
    # given: 1,000 booked in January; 400 paid in January, 600 in February; February's objective 500
    booked = frame_from_rows([(1, 10, dt.date(2026, 1, 20), 100000, 100000, 100000)])
    paid = paid_frame(
        [DocumentLine("D", 1, 10, 100000, 100000, 100000)],
        [Receipt("D", dt.date(2026, 1, 31), 40000), Receipt("D", dt.date(2026, 2, 3), 60000)],
    )
    goal = {(1, 10, month_index(FEB)): Decimal("500")}
    # when
    on_cash = compute_commissions(
        transactions=booked,
        assignments=[Assignment(1, 10, _terms(Basis.PAID), JAN)],
        objectives=goal,
        months=[JAN, FEB],
        basis_frames={Basis.PAID: paid},
    )
    on_booking = compute_commissions(
        transactions=booked,
        assignments=[Assignment(1, 10, _terms(Basis.BOOKED), JAN)],
        objectives=goal,
        months=[JAN, FEB],
    )
    # then: January 400 × 10 % = 40; February 500 × 10 % + 100 × 20 % = 70 (tier 2 on the 3rd)
    assert [(x.commission_base, x.total, x.tier, x.tier2_date) for x in on_cash] == [
        (Decimal("400.00"), Decimal("40.00"), 1, None),
        (Decimal("600.00"), Decimal("70.00"), 2, dt.date(2026, 2, 3)),
    ]
    # booked: all 1,000 in January at 10 %, nothing in February
    assert [x.total for x in on_booking] == [Decimal("100.00"), Decimal("0.00")]


def test_the_engine_counts_an_invoiced_plan_in_the_invoice_month_and_not_before():
    # given: booked in January, invoiced in March
    booked = frame_from_rows([(1, 10, dt.date(2026, 1, 20), 100000, 100000, 100000)])
    invoiced = frame_from_rows([(1, 10, dt.date(2026, 3, 2), 100000, 100000, 100000)])
    # when
    lines = compute_commissions(
        transactions=booked,
        assignments=[Assignment(1, 10, _terms(Basis.INVOICED), JAN)],
        objectives={},
        months=[JAN, FEB, MAR],
        basis_frames={Basis.INVOICED: invoiced},
    )
    # then
    assert [(x.month, x.commission_base, x.total) for x in lines] == [
        (JAN, Decimal("0.00"), Decimal("0.00")),
        (FEB, Decimal("0.00"), Decimal("0.00")),
        (MAR, Decimal("1000.00"), Decimal("100.00")),
    ]


# --- through the database ------------------------------------------------------------------------


def _sale(org, rep_user, line, day, amount, document, invoiced=None):
    amount = Decimal(amount)
    return SalesTransaction.objects.create(
        organization=org,
        rep=rep_user,
        product_line=line,
        date=dt.date.fromisoformat(day),
        invoice_date=dt.date.fromisoformat(invoiced) if invoiced else None,
        sales_amount=amount,
        revenue_amount=amount,
        commission_base=amount,
        currency=org.currency,
        document_number=document,
        dedupe_key=f"{document}-{rep_user.pk}-{line.pk}",
    )


@pytest.mark.django_db
def test_statements_of_a_paid_plan_follow_the_cash_imported(tmp_path, org, rep, other_rep, finance_admin):
    # given: rep on a paid plan (5 %, 8 % above a 1,000 February objective), other_rep booked
    periods_ensure(organization=org, start=JAN, end=dt.date(2026, 12, 31))
    line = ProductLineFactory(organization=org, name="Line C", code="c")
    on_cash = plan(org, "Cash", tier1="5", tier2="8", basis="paid")
    assign(org, rep.user, line, on_cash)
    assign(org, other_rep.user, line, plan(org, "Booked", tier1="5", tier2="8"))
    objectives(org, rep.user, line, ["0", "1000"], first=JAN)
    # INV-1: 1,500 of rep and 500 of other_rep (2,000); INV-2: 800 of rep, never paid
    _sale(org, rep.user, line, "2026-01-10", "1500", "INV-1")
    _sale(org, other_rep.user, line, "2026-01-10", "500", "INV-1")
    _sale(org, rep.user, line, "2026-01-12", "800", "INV-2")
    # when: 25 % of INV-1 arrives in January, the rest in February, imported as a file
    ImportProfile.objects.create(
        organization=org,
        kind="payments",
        name="bank",
        spec={
            "columns": {
                "dedupe_key": "Ref",
                "document_number": "Invoice",
                "date": "Paid on",
                "amount": "Amount",
            }
        },
    )
    path = tmp_path / "bank.csv"
    path.write_text("Ref,Invoice,Paid on,Amount\nP1,INV-1,2026-01-28,500.00\nP2,INV-1,2026-02-14,1500.00\n")
    call_command("import_payments", str(path), "--org", org.slug, "--profile", "bank")
    statements_compute_months(organization=org, actor=finance_admin.user, months=[JAN, FEB])
    # then: January: 1,500 × 25 % = 375 base (objective 0: tier 2 from the first cent → 375 × 8 %
    # = 30); February: 1,125 base on a 1,000 objective → 1,000 × 5 % + 125 × 8 % = 60.
    # INV-2 is unpaid: nothing. other_rep is booked: 500 × 5 % = 25 in January.
    totals = {
        (s.rep_id, s.month): (s.commission_base, s.total)
        for s in CommissionStatement.objects.filter(organization=org)
    }
    assert totals == {
        (rep.user_id, JAN): (Decimal("375.00"), Decimal("30.00")),
        (rep.user_id, FEB): (Decimal("1125.00"), Decimal("60.00")),
        (other_rep.user_id, JAN): (Decimal("500.00"), Decimal("25.00")),
        (other_rep.user_id, FEB): (Decimal("0.00"), Decimal("0.00")),
    }
    assert CashReceipt.objects.filter(organization=org).count() == 2
    assert AuditEvent.objects.get(action="payments.import").after["receipts"] == 2


@pytest.mark.django_db
def test_a_receipt_key_imported_again_with_another_amount_is_refused(tmp_path, org, finance_admin):
    # given
    ImportProfile.objects.create(
        organization=org,
        kind="payments",
        name="bank",
        spec={
            "columns": {
                "dedupe_key": "Ref",
                "document_number": "Invoice",
                "date": "Paid on",
                "amount": "Amount",
            }
        },
    )
    path = tmp_path / "bank.csv"
    path.write_text("Ref,Invoice,Paid on,Amount\nP1,INV-1,2026-01-28,500.00\n")
    call_command("import_payments", str(path), "--org", org.slug, "--profile", "bank")
    path.write_text("Ref,Invoice,Paid on,Amount\nP1,INV-1,2026-01-28,600.00\nP2,INV-1,2026-02-01,10.00\n")
    # when / then
    with pytest.raises(Exception, match="1 problem"):
        call_command("import_payments", str(path), "--org", org.slug, "--profile", "bank")
    assert list(CashReceipt.objects.values_list("dedupe_key", "amount")) == [("P1", Decimal("500.00"))]
