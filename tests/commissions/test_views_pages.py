"""The rep dashboard, the sales history and the upload status: content, filters and scope."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from commissions.models import CommissionStatement
from commissions.services.statements import statement_approve, statement_pay, statements_compute
from tests.commissions.conftest import FEB, JAN, MAR
from tests.commissions.factories import sale

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("commissions:dashboard")
SALES = reverse("commissions:sales")
UPLOADS = reverse("commissions:uploads")
MID_MARCH = dt.date(2026, 3, 15)


@pytest.fixture
def mid_march(monkeypatch):
    """The pages' today: 15 March 2026 (the book's last month)."""
    for module in ("commissions.views.dashboard", "commissions.views.sales"):
        monkeypatch.setattr(f"{module}.organization_today", lambda organization: MID_MARCH)


# --- Dashboard ----------------------------------------------------------------------------------


def test_a_rep_sees_their_year_to_date_paid_commission_and_monthly_objectives(
    org, rep, manager, finance_admin, commission_book, mid_march, client_for
):
    # given: January to March computed, January approved and paid
    for month in (JAN, FEB, MAR):
        statements_compute(organization=org, actor=finance_admin.user, month=month)
    january = CommissionStatement.objects.get(rep=rep.user, month=JAN)
    statement_pay(
        statement=statement_approve(statement=january, actor=manager.user), actor=finance_admin.user
    )
    earned = sum(CommissionStatement.objects.filter(rep=rep.user).values_list("total", flat=True))
    # when
    response = client_for(rep).get(DASHBOARD)
    # then
    assert response.status_code == 200
    dashboard = response.context["dashboard"]
    assert dashboard.rep.user_id == rep.user_id
    assert (dashboard.ytd_sales, dashboard.ytd_commission, dashboard.paid_commission) == (
        Decimal("44345.67"),
        earned,
        Decimal("980.00"),
    )
    assert [(m.month, m.objective, m.base) for m in dashboard.months] == [
        (JAN, Decimal("15000.00"), Decimal("19000.00")),
        (FEB, Decimal("15000.00"), Decimal("8000.00")),
        (MAR, Decimal("15000.00"), Decimal("17345.67")),
    ]
    html = response.content.decode()
    assert 'id="objective-chart"' in html and "plotly" in html.lower()
    assert "Tier progress, March 2026" in html


def test_tier_progress_says_what_is_left_to_tier_2(other_rep, commission_book, mid_march, client_for):
    # when: the other rep's March: line P (monthly objective 8,000) has no sale yet; line Q
    # (year to date) passed its objective on 5 March
    response = client_for(other_rep).get(DASHBOARD)
    # then
    progress = {
        p.product_line: (p.tier, p.to_tier2, p.tier2_date) for p in response.context["dashboard"].progress
    }
    assert progress == {
        "Line P": (1, Decimal("8000.00"), None),
        "Line Q": (2, None, dt.date(2026, 3, 5)),
    }
    html = response.content.decode()
    assert "$8,000.00 to tier 2" in html
    assert "tier 2 since 5 Mar" in html


@pytest.mark.parametrize(
    ("_case", "actor", "whose", "status"),
    [
        ("a rep asks for another rep", "rep", "other_rep", 404),
        ("a manager for their report", "manager", "rep", 200),
        ("a manager for another team's rep", "manager", "other_rep", 404),
        ("finance for anyone", "finance_admin", "other_rep", 200),
        ("another organization", "other_org_admin", "rep", 404),
    ],
)
def test_the_rep_picker_stays_in_scope(
    commission_book, mid_march, client_for, request, _case, actor, whose, status
):
    # given
    wanted = request.getfixturevalue(whose)
    # when
    response = client_for(request.getfixturevalue(actor)).get(DASHBOARD, {"rep": wanted.user_id})
    # then
    assert response.status_code == status
    if status == 200:
        assert response.context["dashboard"].rep.user_id == wanted.user_id


def test_a_rep_without_a_picker_sees_only_themselves(rep, commission_book, mid_march, client_for):
    # when
    response = client_for(rep).get(DASHBOARD)
    # then
    assert [r.user_id for r in response.context["reps"]] == [rep.user_id]
    assert 'id="id_rep"' not in response.content.decode()


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url, params or {}).status_code == 200
    return len(captured)


@pytest.mark.parametrize(("url", "params"), [(DASHBOARD, {}), (SALES, {}), (UPLOADS, {"year": "2026"})])
def test_page_queries_do_not_grow_with_the_rows(
    org, rep, commission_book, mid_march, client_for, url, params
):
    # given
    lines, _ = commission_book
    client = client_for(rep)
    before = _queries(client, url, params)
    # when: more sales in every month
    for day in ("2026-01-07", "2026-02-07", "2026-03-07"):
        for amount in ("100", "200", "300"):
            sale(org, rep.user, lines["P"], day, amount)
            sale(org, rep.user, lines["Q"], day, amount)
    # then
    assert _queries(client, url, params) == before


# --- Sales history ------------------------------------------------------------------------------


def _sales(response) -> list[tuple]:
    return [(t.rep.email, t.product_line.code, t.date, t.sales_amount) for t in response.context["page_obj"]]


def test_a_rep_sees_their_own_sales_with_file_and_row(rep, commission_book, client_for):
    # when
    response = client_for(rep).get(SALES)
    # then
    rows = _sales(response)
    assert len(rows) == 8
    assert {email for email, *_ in rows} == {"rep1@acme.test"}
    totals = response.context["totals"]
    assert (totals.count, totals.sales) == (8, Decimal("44345.67"))
    first = response.context["page_obj"][0]
    assert (first.date, first.source_file) == (dt.date(2026, 3, 9), "test.csv")
    assert f'<td class="num">{first.source_row}</td>' in response.content.decode()


@pytest.mark.parametrize(
    ("_case", "params", "expected"),
    [
        ("date range", {"date_after": "2026-02-01", "date_before": "2026-02-28"}, 3),
        ("product line", {"product_line": "Q"}, 3),
        ("source file", {"source_file": "test.csv"}, 8),
        ("another file", {"source_file": "other.csv"}, 0),
        ("another rep is not in scope", {"rep": "other"}, 0),
    ],
)
def test_sales_filters(rep, other_rep, commission_book, client_for, _case, params, expected):
    # given
    lines, _ = commission_book
    values = {
        **params,
        **({"product_line": lines[params["product_line"]].pk} if "product_line" in params else {}),
        **({"rep": other_rep.user_id} if "rep" in params else {}),
    }
    # when
    response = client_for(rep).get(SALES, values)
    # then
    assert len(_sales(response)) == expected


def test_finance_filters_on_any_rep_and_gets_pages(
    org, rep, other_rep, finance_admin, commission_book, client_for
):
    # given: 60 more sales of the other rep
    lines, _ = commission_book
    for n in range(60):
        sale(org, other_rep.user, lines["P"], "2026-01-03", str(n + 1))
    client = client_for(finance_admin)
    # when
    first = client.get(SALES, {"rep": other_rep.user_id})
    second = client.get(SALES, {"rep": other_rep.user_id, "page": 2}, headers={"HX-Request": "true"})
    # then
    assert first.context["totals"].count == 67
    assert len(_sales(first)) == 50 and len(_sales(second)) == 17
    assert "<html" not in second.content.decode()
    assert {email for email, *_ in _sales(second)} == {"rep2@acme.test"}


# --- Upload status ------------------------------------------------------------------------------


def _grid(response) -> dict[str, list[tuple[int, str]]]:
    return {
        row.product_line.code: [(c.count, c.state) for c in row.cells[:4]]
        for row in response.context["status"].rows
    }


def test_upload_status_counts_per_line_and_month_with_the_files(
    finance_admin, commission_book, mid_march, client_for
):
    # when
    response = client_for(finance_admin).get(UPLOADS)
    # then: January to March loaded, April still to come
    assert _grid(response) == {
        "p": [(4, "loaded"), (4, "loaded"), (1, "loaded"), (0, "future")],
        "q": [(2, "loaded"), (2, "loaded"), (2, "loaded"), (0, "future")],
    }
    status = response.context["status"]
    assert (status.files, status.missing) == ([("test.csv", 15)], 0)
    html = response.content.decode()
    upload = reverse("revops:import-upload", args=["sales"])
    assert f'href="{upload}"' in html
    assert client_for(finance_admin).get(upload).status_code == 200  # the core's import page, kind sales


def test_upload_status_marks_missing_months_and_a_rep_counts_their_own(
    org, rep, commission_book, client_for, monkeypatch
):
    # given: today is in May; nothing was loaded for April or May
    monkeypatch.setattr(
        "commissions.views.sales.organization_today", lambda organization: dt.date(2026, 5, 2)
    )
    # when
    response = client_for(rep).get(UPLOADS)
    # then
    assert _grid(response) == {
        "p": [(2, "loaded"), (2, "loaded"), (1, "loaded"), (0, "missing")],
        "q": [(1, "loaded"), (1, "loaded"), (1, "loaded"), (0, "missing")],
    }
    assert response.context["status"].missing == 4  # April and May of both lines
    assert 'id="upload-sales"' not in response.content.decode()  # reps do not import
