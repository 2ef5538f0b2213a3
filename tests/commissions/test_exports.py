"""Commission exports: the payroll file of the statements page (net of each statement's ledger
entries), the statement per rep (lines, computation, transactions, ledger), the sales history."""

import csv
import io
from decimal import Decimal

import pytest
from django.http import QueryDict
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from commissions.exports import statement_export
from commissions.models import CommissionStatement
from commissions.services.statements import statement_approve, statement_pay, statements_compute
from revops.models import FiscalPeriod
from revops.services.exports import export_file_bytes
from revops.services.periods import period_close
from tests.commissions.conftest import JAN
from tests.commissions.factories import sale

pytestmark = pytest.mark.django_db

LIST = reverse("commissions:statements")


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.fixture
def january(org, rep, other_rep, manager, other_team_manager, finance_admin, commission_book):
    """January approved for both reps and paid for the rep; then a late sale corrects the rep's."""
    lines, _ = commission_book
    statements_compute(organization=org, actor=finance_admin.user, month=JAN)
    first = CommissionStatement.objects.get(rep=rep.user, month=JAN)
    statement_pay(statement=statement_approve(statement=first, actor=manager.user), actor=finance_admin.user)
    other = CommissionStatement.objects.get(rep=other_rep.user, month=JAN)
    statement_approve(statement=other, actor=other_team_manager.user)
    period_close(period=FiscalPeriod.objects.get(organization=org, start_date=JAN), actor=finance_admin.user)
    sale(org, rep.user, lines["P"], "2026-01-28", "1000")
    statements_compute(organization=org, actor=finance_admin.user, month=JAN)
    correction = CommissionStatement.objects.get(rep=rep.user, month=JAN, revision=2)
    statement_approve(statement=correction, actor=manager.user)
    return first, correction, other


def _name(member) -> str:
    return member.user.get_full_name()


def test_the_payout_file_lists_approved_and_paid_statements_net_of_their_entries(
    rep, other_rep, finance_admin, january, client_for
):
    # when
    rows = _csv(client_for(finance_admin).get(LIST, {"month": "2026-01", "export": "csv"}))
    # then: the correction pays only its difference (reversals of 980.00, new 1,060.00)
    expected = sorted(
        [
            ["rep1@acme.test", _name(rep), "2026-01", "1", "Paid", "980.00", "980.00"],
            ["rep1@acme.test", _name(rep), "2026-01", "2", "Approved", "1060.00", "80.00"],
            ["rep2@acme.test", _name(other_rep), "2026-01", "1", "Approved", "630.00", "630.00"],
        ],
        key=lambda r: (r[1], r[3]),
    )
    assert rows[0] == ["Rep e-mail", "Rep", "Month", "Revision", "Status", "Statement total", "Amount"]
    assert sorted(rows[1:], key=lambda r: (r[1], r[3])) == expected


def test_a_rep_s_payout_file_holds_only_their_statements(rep, january, client_for):
    # when
    rows = _csv(client_for(rep).get(LIST, {"export": "csv"}))
    # then
    assert [(r[0], r[3], r[6]) for r in rows[1:]] == [
        ("rep1@acme.test", "1", "980.00"),
        ("rep1@acme.test", "2", "80.00"),
    ]


def test_a_draft_is_not_in_the_payout_file(org, finance_admin, commission_book, client_for):
    # given
    statements_compute(organization=org, actor=finance_admin.user, month=JAN)
    # when
    rows = _csv(client_for(finance_admin).get(LIST, {"export": "csv"}))
    # then
    assert rows[1:] == []


def test_the_statement_workbook_has_lines_steps_transactions_and_entries(rep, january, client_for):
    # given
    _first, correction, _other = january
    # when
    response = client_for(rep).get(reverse("commissions:statement", args=[correction.pk]), {"export": "xlsx"})
    # then
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Lines", "Computation", "Transactions", "Ledger entries"]
    lines = [(r[0], r[-1]) for r in book["Lines"].iter_rows(min_row=2, values_only=True)]
    assert lines == [("Line P", 820), ("Line Q", 240)]
    transactions = [
        (r[0].date().isoformat(), r[1], r[7], r[11])
        for r in book["Transactions"].iter_rows(min_row=2, values_only=True)
    ]
    assert transactions == [
        ("2026-01-05", "Line P", 6000, "test.csv"),
        ("2026-01-20", "Line P", 7000, "test.csv"),
        ("2026-01-28", "Line P", 1000, "test.csv"),
        ("2026-01-15", "Line Q", 6000, "test.csv"),
    ]
    entries = [(r[2], r[6]) for r in book["Ledger entries"].iter_rows(min_row=2, values_only=True)]
    assert entries == [("Reversal", -740), ("Reversal", -240), ("Original", 820), ("Original", 240)]
    steps = [r[2] for r in book["Computation"].iter_rows(min_row=2, values_only=True)]
    assert steps[0] == "3 transactions in January 2026: sales 14,000.00, commission base 14,000.00."


def test_the_statement_pdf_names_the_rep_and_what_it_corrects(org, rep, january):
    # given
    _first, correction, _other = january
    # when
    data = statement_export(membership=rep, params=QueryDict(), pk=correction.pk)
    content, _ = export_file_bytes(data=data, fmt="pdf", organization_name=org.name)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    # then
    assert "Commission statement January 2026" in text
    assert "rep1@acme.test" in text
    assert "revision 1 ($980.00)" in text
    assert "test.csv" in text


def test_the_sales_file_is_the_filtered_history_with_file_and_row(rep, commission_book, client_for):
    # given
    lines, _ = commission_book
    # when
    rows = _csv(
        client_for(rep).get(reverse("commissions:sales"), {"product_line": lines["Q"].pk, "export": "csv"})
    )
    # then
    assert rows[0][-2:] == ["Source file", "Source row"]
    assert [(r[0], r[1], r[7], r[11]) for r in rows[1:]] == [
        ("2026-03-09", "Line Q", "5000.00", "test.csv"),
        ("2026-02-14", "Line Q", "5000.00", "test.csv"),
        ("2026-01-15", "Line Q", "6000.00", "test.csv"),
    ]
    assert all(r[12].isdigit() for r in rows[1:])
    assert sum(Decimal(r[7]) for r in rows[1:]) == Decimal("16000.00")
