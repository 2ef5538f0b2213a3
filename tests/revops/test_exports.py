"""CSV and Excel exports: formula injection is neutralised, numbers and dates keep their type."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from revops.exports import MONEY_FORMAT, csv_bytes, xlsx_bytes
from tests.revops.factories import AccountFactory, OpportunityFactory

HOSTILE = ["=1+1", "+1", "-1", "@SUM(A1)", "\tcmd", "\rcmd"]
NEUTRALISED = ["'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\tcmd", "'\rcmd"]
HEADERS = ("Text", "Integer", "Money", "Float", "Date")


def _rows():
    return [(text, -7, Decimal("-1234.50"), 0.25, dt.date(2026, 3, 31)) for text in HOSTILE]


def _read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_neutralises_formula_text_and_keeps_numbers():
    # when
    rows = _read_csv(csv_bytes(HEADERS, _rows()))
    # then
    assert rows[0] == list(HEADERS)
    assert [r[0] for r in rows[1:]] == NEUTRALISED
    assert {tuple(r[1:]) for r in rows[1:]} == {("-7", "-1234.50", "0.25", "2026-03-31")}


def test_csv_leaves_harmless_text_alone():
    # when
    rows = _read_csv(csv_bytes(["Name"], [["Acme = best"], ["a-b"], [""], [None]]))
    # then
    assert rows[1:] == [["Acme = best"], ["a-b"], [""], [""]]


def test_xlsx_neutralises_formula_text_and_keeps_numeric_cells():
    # when
    workbook = load_workbook(io.BytesIO(xlsx_bytes(HEADERS, _rows())))
    # then
    sheet = workbook.active
    rows = list(sheet.iter_rows(min_row=2))
    assert [r[0].value for r in rows] == NEUTRALISED
    assert {r[0].data_type for r in rows} == {"s"}
    for _text, integer, money, floating, date in rows:
        assert (integer.value, integer.data_type) == (-7, "n")
        assert (money.value, money.data_type, money.number_format) == (-1234.5, "n", MONEY_FORMAT)
        assert (floating.value, floating.data_type) == (0.25, "n")
        assert date.is_date
        assert date.value == dt.datetime(2026, 3, 31)
    assert [c.value for c in sheet[1]] == list(HEADERS)


def test_xlsx_writes_aware_datetimes_in_utc():
    # given
    moment = dt.datetime(2026, 3, 31, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    # when
    sheet = load_workbook(io.BytesIO(xlsx_bytes(["At"], [[moment]]))).active
    # then
    assert sheet["A2"].value == dt.datetime(2026, 3, 31, 21, 30)


@pytest.mark.django_db
def test_opportunity_list_exports_respect_scope_and_filters(org, rep, other_rep, client_for):
    # given
    account = AccountFactory(organization=org, name='=HYPERLINK("http://evil")')
    won = OpportunityFactory(
        organization=org,
        account=account,
        owner=rep.user,
        name="@SUM(A1)",
        stage="closed_won",
        amount=Decimal("1500.25"),
        created_date=dt.date(2026, 1, 10),
        expected_close_date=dt.date(2026, 2, 1),
        close_date=dt.date(2026, 2, 3),
    )
    OpportunityFactory(organization=org, owner=rep.user, name="Open deal", stage="proposal")
    OpportunityFactory(organization=org, owner=other_rep.user, name="Not mine", stage="closed_won")
    client = client_for(rep)
    url = reverse("revops:opportunity-list")
    # when
    csv_response = client.get(url, {"status": "won", "export": "csv"})
    xlsx_response = client.get(url, {"status": "won", "export": "xlsx"})
    # then
    assert csv_response["Content-Type"] == "text/csv; charset=utf-8"
    assert csv_response["Content-Disposition"].startswith('attachment; filename="opportunities-')
    rows = _read_csv(csv_response.content)
    assert rows[1:] == [
        [
            str(won.pk),
            "'@SUM(A1)",
            '\'=HYPERLINK("http://evil")',
            "rep1@acme.test",
            "Closed won",
            "1500.25",
            "USD",
            "",
            "2026-01-10",
            "2026-02-01",
            "2026-02-03",
            "Web",
        ]
    ]
    sheet = load_workbook(io.BytesIO(xlsx_response.content)).active
    assert sheet.max_row == 2
    assert (sheet["B2"].value, sheet["C2"].value) == ("'@SUM(A1)", '\'=HYPERLINK("http://evil")')
    assert (sheet["F2"].value, sheet["F2"].data_type) == (1500.25, "n")
    assert sheet["I2"].value == dt.datetime(2026, 1, 10)


@pytest.mark.django_db
def test_dashboard_top_accounts_export(org, manager, rep, client_for):
    # given
    today = dt.datetime.now(dt.UTC).date()
    account = AccountFactory(organization=org, name="+Cmd")
    for amount in ("100.00", "250.50"):
        OpportunityFactory(
            organization=org,
            account=account,
            owner=rep.user,
            stage="closed_won",
            amount=Decimal(amount),
            created_date=today,
            expected_close_date=today,
            close_date=today,
        )
    # when
    response = client_for(manager).get(reverse("revops:home"), {"period": "this_quarter", "export": "xlsx"})
    # then
    assert response["Content-Disposition"].startswith('attachment; filename="top-accounts-')
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [[c.value for c in row] for row in sheet.iter_rows()] == [
        ["Rank", "Account", "Won deals", "Won revenue"],
        [1, "'+Cmd", 2, 350.5],
    ]


@pytest.mark.django_db
def test_export_of_other_org_rows_is_impossible(org, other_org_opportunity, admin, client_for):
    # when
    response = client_for(admin).get(reverse("revops:opportunity-list"), {"export": "csv"})
    # then
    assert _read_csv(response.content) == [
        [
            "ID",
            "Opportunity",
            "Account",
            "Owner",
            "Stage",
            "Amount",
            "Currency",
            "Product line",
            "Created",
            "Expected close",
            "Closed",
            "Lead source",
        ]
    ]


@pytest.mark.django_db
def test_partner_user_cannot_export(partner_user, client_for):
    # when
    response = client_for(partner_user).get(reverse("revops:opportunity-list"), {"export": "csv"})
    # then: internal pages do not exist for partner users
    assert response.status_code == 404
