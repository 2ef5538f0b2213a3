"""The analysis page: sales and commission pivoted by rows, columns and measure, with totals;
a rep sees only their own figures."""

from decimal import Decimal

import pytest
from django.urls import reverse

from commissions.analytics import pivot
from commissions.models import CommissionStatement
from commissions.services.statements import statement_approve, statements_compute
from tests.commissions.conftest import JAN

PAGE = reverse("commissions:analysis")


def _record(rep, line, month, sales, commission="0", team="East", n=1):
    return {
        "rep": rep,
        "product_line": line,
        "month": month,
        "team": team,
        "sales": Decimal(sales),
        "commission_base": Decimal(sales),
        "transactions": n,
        "commission": Decimal(commission),
    }


def test_pivot_sums_exactly_with_row_and_column_totals():
    # given
    records = [
        _record("Ann", "P", "2026-01", "100.10"),
        _record("Ann", "Q", "2026-01", "0.20"),
        _record("Bob", "P", "2026-02", "5.00", team="West"),
        _record("Ann", "P", "2026-02", "0.01"),
    ]
    # when
    table = pivot(records, rows="rep", columns="product_line", measure="sales")
    # then
    assert table.to_dict(orient="index") == {
        "Ann": {"P": Decimal("100.11"), "Q": Decimal("0.20"), "Total": Decimal("100.31")},
        "Bob": {"P": Decimal("5.00"), "Q": Decimal("0.00"), "Total": Decimal("5.00")},
        "Total": {"P": Decimal("105.11"), "Q": Decimal("0.20"), "Total": Decimal("105.31")},
    }
    by_team = pivot(records, rows="team", columns=None, measure="transactions")
    assert by_team["Total"].to_dict() == {"East": 3, "West": 1, "Total": 4}


@pytest.fixture
def named(rep, other_rep):
    for membership, (first, last) in ((rep, ("Rhea", "Quill")), (other_rep, ("Otto", "Vance"))):
        membership.user.first_name, membership.user.last_name = first, last
        membership.user.save()


@pytest.mark.django_db
def test_finance_pivots_sales_by_rep_and_product_line(finance_admin, named, commission_book, client_for):
    # when
    response = client_for(finance_admin).get(PAGE, {"year": "2026", "rows": "rep", "columns": "product_line"})
    # then: the book's sales, January to March
    assert response.context["header"] == ["Line P", "Line Q", "Total"]
    assert response.context["body"] == [
        ("Otto Vance", [Decimal("16000.00"), Decimal("16000.00"), Decimal("32000.00")]),
        ("Rhea Quill", [Decimal("28345.67"), Decimal("16000.00"), Decimal("44345.67")]),
        ("Total", [Decimal("44345.67"), Decimal("32000.00"), Decimal("76345.67")]),
    ]


@pytest.mark.django_db
def test_approved_commission_by_team_and_month(
    org, manager, finance_admin, rep, named, commission_book, client_for
):
    # given: the rep's January statement approved (posted to the ledger); the other's a draft
    statements_compute(organization=org, actor=finance_admin.user, month=JAN)
    approved = statement_approve(
        statement=CommissionStatement.objects.get(rep=rep.user, month=JAN), actor=manager.user
    )
    # when
    response = client_for(finance_admin).get(
        PAGE, {"year": "2026", "rows": "team", "columns": "month", "measure": "commission"}
    )
    # then: only approved commission counts
    body = dict(response.context["body"])
    assert response.context["header"][:1] == ["2026-01"]
    assert body["East"][0] == approved.total
    assert body["West"][0] == Decimal("0.00")


@pytest.mark.django_db
def test_a_rep_sees_only_their_own_figures(rep, named, commission_book, client_for):
    # when
    response = client_for(rep).get(PAGE, {"year": "2026", "rows": "rep", "columns": "month"})
    exported = client_for(rep).get(PAGE, {"year": "2026", "rows": "rep", "export": "csv"})
    # then
    assert [label for label, _ in response.context["body"]] == ["Rhea Quill", "Total"]
    assert "Otto" not in response.content.decode()
    assert "Otto" not in exported.content.decode("utf-8-sig")
