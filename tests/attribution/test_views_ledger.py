"""Ledger explorer: filters, totals, HTMX partial, exports and a constant query count."""

import csv
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from attribution.models import AttributionEntry
from tests.attribution.factories_pages import add_deals, build_book

pytestmark = pytest.mark.django_db

URL = reverse("attribution:ledger")
# session, user, membership, page count, page rows, totals, chain head, organization switcher,
# and the partner, account and period filter choices.
LEDGER_QUERY_BUDGET = 12  # + whether any account-scope entry exists (filter choices from the totals)


@pytest.fixture
def book(org, rep, other_rep):
    return build_book(org, rep, other_rep)


def _rows(response):
    return [(r["entry"].partner.name, r["entry"].role, r["entry"].amount) for r in response.context["rows"]]


def test_ledger_lists_every_entry_with_the_totals_row(book, admin, client_for):
    # when
    response = client_for(admin).get(URL)
    # then
    assert response.status_code == 200
    assert _rows(response) == [
        ("Alpha", "referral", Decimal("400.00")),
        ("Beta", "isv", Decimal("50.00")),
        ("Alpha", "referral", Decimal("100.00")),
    ]
    totals = response.context["totals"]
    assert (totals.count, totals.amount) == (3, Decimal("550.00"))
    assert "Total (3)" in response.content.decode()


@pytest.mark.parametrize(
    ("_case", "params", "expected"),
    [
        ("partner", lambda b: {"partner": b.beta.pk}, [("Beta", "isv", Decimal("50.00"))]),
        (
            "account",
            lambda b: {"account": b.other_deal.account_id},
            [("Alpha", "referral", Decimal("400.00"))],
        ),
        (
            "period",
            lambda b: {"period": b.january.pk},
            [("Beta", "isv", Decimal("50.00")), ("Alpha", "referral", Decimal("100.00"))],
        ),
        (
            "date range",
            lambda b: {"date_after": "2026-02-01", "date_before": "2026-02-28"},
            [("Alpha", "referral", Decimal("400.00"))],
        ),
        ("role", lambda b: {"role": "isv"}, [("Beta", "isv", Decimal("50.00"))]),
        ("kind", lambda b: {"kind": "adjustment"}, []),
    ],
)
def test_ledger_filters(book, admin, client_for, _case, params, expected):
    # when
    response = client_for(admin).get(URL, params(book), HTTP_HX_REQUEST="true")
    # then
    assert response.status_code == 200
    assert "<html" not in response.content.decode()
    assert _rows(response) == expected
    assert response.context["totals"].amount == sum((e[2] for e in expected), Decimal("0.00"))


def test_rep_sees_only_the_entries_of_their_deals(book, rep, client_for):
    # when
    response = client_for(rep).get(URL)
    # then
    assert _rows(response) == [("Beta", "isv", Decimal("50.00")), ("Alpha", "referral", Decimal("100.00"))]
    assert response.context["totals"].amount == Decimal("150.00")


def test_ledger_csv_export_holds_the_filtered_entries(book, admin, client_for):
    # when
    response = client_for(admin).get(URL, {"partner": book.alpha.pk, "export": "csv"})
    # then
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    entries = list(AttributionEntry.objects.filter(partner=book.alpha).order_by("sequence"))
    assert rows[0][:9] == [
        "Sequence",
        "Posted at",
        "Revenue date",
        "Partner",
        "Role",
        "Kind",
        "Scope",
        "Split %",
        "Amount",
    ]
    assert [(r[0], r[2], r[3], r[4], r[7], r[8], r[11], r[12], r[15]) for r in rows[1:]] == [
        (
            "1",
            "2026-01-20",
            "Alpha",
            "Referral",
            "10.00",
            "100.00",
            "Initech",
            "Initech Analytics",
            entries[0].hash,
        ),
        (
            "3",
            "2026-02-10",
            "Alpha",
            "Referral",
            "20.00",
            "400.00",
            "Umbrella",
            "Umbrella Platform",
            entries[1].hash,
        ),
    ]


def test_ledger_excel_export_has_numeric_amounts(book, admin, client_for):
    # when
    response = client_for(admin).get(URL, {"export": "xlsx"})
    # then
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [(row[0], row[3], row[8]) for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert values == [(1, "Alpha", 100), (2, "Beta", 50), (3, "Alpha", 400)]


def _query_count(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(URL)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_ledger_query_count_does_not_grow_with_entries(org, book, admin, rep, client_for):
    # given
    client = client_for(admin)
    small = _query_count(client)
    # when
    add_deals(org, rep.user, book.alpha, 12)
    large = _query_count(client)
    # then
    assert AttributionEntry.objects.filter(organization=org).count() == 15
    assert small == large == LEDGER_QUERY_BUDGET


def test_past_the_cap_the_account_filter_is_a_name_search(book, admin, client_for, monkeypatch):
    # given more credited accounts than the page lists (the cap lowered to one)
    monkeypatch.setattr("attribution.selectors.ledger.ACCOUNT_CHOICES_MAX", 1)
    client = client_for(admin)
    umbrella = book.other_deal.account
    # when
    page = client.get(URL).content.decode()
    by_name = client.get(URL, {"account_name": umbrella.name[:5].lower()})
    linked = client.get(URL, {"account": umbrella.pk}).content.decode()
    # then: a search box instead of a list; the name finds that account's entries only
    assert 'name="account_name"' in page
    assert 'id="id_account"' not in page
    assert _rows(by_name) == [("Alpha", "referral", Decimal("400.00"))]
    assert by_name.context["totals"].count == 1
    # and a link from the account page still shows the account, selected, with a way back
    assert f'<option value="{umbrella.pk}" selected>{umbrella.name}</option>' in linked
    assert '<option value="">All accounts</option>' in linked


def test_under_the_cap_the_account_filter_lists_the_credited_accounts(book, admin, client_for):
    page = client_for(admin).get(URL).content.decode()
    names = sorted({book.deal.account.name, book.other_deal.account.name})
    assert 'name="account_name"' not in page
    assert all(f">{name}</option>" in page for name in names)
