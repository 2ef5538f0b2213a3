"""Exports of the partner performance, period and deal pages: the page's rows and totals, a
sheet per table in Excel, the filters by name in the PDF, the page's filters and scope."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from attribution.exports import deal_export, partner_performance_export, period_export
from attribution.services.recompute import attribution_recompute
from attribution.services.rules import rule_create
from revops.models import JobRun
from revops.selectors.periods import organization_today
from revops.services.exports import RECORD_GONE, export_enqueue, export_file_bytes
from revops.services.periods import periods_ensure
from tests.attribution.factories import OpportunityPartnerFactory, RevenueEventFactory
from tests.attribution.factories_pages import build_book
from tests.revops.factories import OpportunityFactory, PartnerFactory

pytestmark = pytest.mark.django_db

PARTNERS_URL = reverse("attribution:partners")
PERIODS_URL = reverse("attribution:periods")


@pytest.fixture
def book(org, rep, other_rep):
    return build_book(org, rep, other_rep)


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _workbook(response):
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content))


def _values(sheet) -> list[tuple]:
    return [tuple(row) for row in sheet.iter_rows(values_only=True)]


def _pdf_text(data, org) -> str:
    content, _ = export_file_bytes(data=data, fmt="pdf", organization_name=org.name)
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _assert_formatted(workbook) -> None:
    for sheet in workbook.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.auto_filter.ref.startswith("A1:"), sheet.title
        assert sheet["A1"].font.bold is True, sheet.title


# --- Partner performance ------------------------------------------------------------------------


def test_partner_performance_csv_holds_the_leaderboard_with_the_page_totals(book, admin, client_for):
    # given
    client = client_for(admin)
    page = client.get(PARTNERS_URL, {"period": "all"}).context["performance"]

    # when
    rows = _csv(client.get(PARTNERS_URL, {"period": "all", "export": "csv"}))

    # then
    assert rows == [
        ["Rank", "Partner", "Tier", "Deals", "Attributed revenue", "Share %"],
        ["1", "Alpha", "Gold", "2", "500.00", "90.9"],
        ["2", "Beta", "Silver", "1", "50.00", "9.1"],
    ]
    assert sum(Decimal(r[4]) for r in rows[1:]) == page.partner_credit == Decimal("550.00")


def test_partner_performance_excel_has_a_sheet_per_table(book, admin, client_for):
    # when
    workbook = _workbook(client_for(admin).get(PARTNERS_URL, {"period": "all", "export": "xlsx"}))

    # then
    assert workbook.sheetnames == ["Partners", "By role", "By partner tier", "By month"]
    _assert_formatted(workbook)
    assert _values(workbook["Partners"])[1:] == [
        (1, "Alpha", "Gold", 2, 500, 90.9),
        (2, "Beta", "Silver", 1, 50, 9.1),
    ]
    assert workbook["Partners"]["E2"].number_format == "#,##0.00"
    assert _values(workbook["By role"])[1:] == [("ISV", 50), ("Referral", 500)]
    assert _values(workbook["By partner tier"])[1:] == [("Gold", 500), ("Silver", 50)]
    months = [(m.date(), amount) for m, amount in _values(workbook["By month"])[1:]]
    assert months == [(dt.date(2026, 1, 1), 150), (dt.date(2026, 2, 1), 400)]


def test_partner_performance_rep_export_holds_only_their_deals(book, rep):
    # when
    data = partner_performance_export(membership=rep, params={"period": "all"})

    # then: the Umbrella deal (other rep's) is not in it, as on the page
    assert [row[1:] for row in data.tables[0].rows] == [
        ("Alpha", "Gold", 1, Decimal("100.00"), Decimal("66.7")),
        ("Beta", "Silver", 1, Decimal("50.00"), Decimal("33.3")),
    ]
    assert ("Gross revenue", "$1,000.00") in data.summary


def test_partner_performance_export_applies_the_page_period(org, book, admin, rep):
    # given: Gamma is credited on revenue dated today; the book's revenue is in early 2026
    today = organization_today(org)
    periods_ensure(organization=org, start=dt.date(2026, 1, 1), end=today)
    gamma = PartnerFactory(organization=org, name="Gamma", tier="bronze")
    deal = OpportunityFactory(organization=org, owner=rep.user, name="Today deal", amount=Decimal("1000.00"))
    OpportunityPartnerFactory(
        organization=org, opportunity=deal, partner=gamma, role="referral", split_percent=Decimal("10")
    )
    RevenueEventFactory(organization=org, opportunity=deal, date=today, amount=Decimal("300.00"))
    attribution_recompute(organization=org)

    # when
    quarter = partner_performance_export(membership=admin, params={"period": "this_quarter"})
    every = partner_performance_export(membership=admin, params={"period": "all"})

    # then
    assert [(row[1], row[4]) for row in quarter.tables[0].rows] == [("Gamma", Decimal("30.00"))]
    assert [row[1] for row in every.tables[0].rows] == ["Alpha", "Beta", "Gamma"]
    assert dict(quarter.summary)["Period"].startswith("This quarter (1 ")
    assert dict(every.summary)["Period"] == "All time"


def test_partner_performance_pdf_names_the_period_and_the_totals(org, book, admin):
    # when
    text = _pdf_text(partner_performance_export(membership=admin, params={"period": "all"}), org)

    # then
    assert "Period: All time" in text
    assert "Partner credit: $550.00 to 2 partners" in text
    assert "Not credited: $2,450.00" in text
    for heading in ("Partners", "By role", "By partner tier", "By month"):
        assert heading in text


# --- Periods ------------------------------------------------------------------------------------


def test_period_csv_holds_the_page_breakdown_of_the_selected_period(book, finance_admin, client_for):
    # given
    client = client_for(finance_admin)
    page = client.get(PERIODS_URL, {"period": book.january.pk}).context

    # when
    rows = _csv(client.get(PERIODS_URL, {"period": book.january.pk, "export": "csv"}))

    # then
    assert rows == [
        ["Partner", "Referral", "ISV", "Total"],
        ["Alpha", "100.00", "0.00", "100.00"],
        ["Beta", "0.00", "50.00", "50.00"],
    ]
    assert [(r[0], [Decimal(v) for v in r[1:]]) for r in rows[1:]] == page["breakdown"]
    assert sum(Decimal(r[3]) for r in rows[1:]) == page["row"].amount


def test_period_excel_has_breakdown_movement_ledger_lines_and_periods(book, finance_admin, client_for):
    # when
    response = client_for(finance_admin).get(PERIODS_URL, {"period": book.february.pk, "export": "xlsx"})

    # then
    workbook = _workbook(response)
    assert workbook.sheetnames == ["By partner and role", "Movement", "Ledger lines", "Periods"]
    _assert_formatted(workbook)
    assert _values(workbook["By partner and role"]) == [("Partner", "Referral", "Total"), ("Alpha", 400, 400)]
    assert _values(workbook["Movement"])[1:] == [
        ("Alpha", 100, 400, 300, "increased"),
        ("Beta", 50, 0, -50, "lost"),
    ]
    lines = _values(workbook["Ledger lines"])
    assert [(r[3], r[8], r[12]) for r in lines[1:]] == [("Alpha", 400, "Umbrella Platform")]
    assert [r[:4] for r in _values(workbook["Periods"])[1:]] == [
        ("Jan 2026 (FY2026 Q1)", "Open", 2, 150),
        ("Feb 2026 (FY2026 Q1)", "Open", 1, 400),
        ("Mar 2026 (FY2026 Q1)", "Open", 0, 0),
    ]


def test_period_export_of_a_rep_holds_only_their_lines(book, rep):
    # when
    january = period_export(membership=rep, params={"period": str(book.january.pk)})
    february = period_export(membership=rep, params={"period": str(book.february.pk)})

    # then
    lines = list(january.tables[2].rows)
    assert [(row[3], row[12]) for row in lines] == [
        ("Alpha", "Initech Analytics"),
        ("Beta", "Initech Analytics"),
    ]
    assert list(february.tables[0].rows) == []
    assert list(february.tables[2].rows) == []


def test_period_pdf_names_the_period_not_its_id(
    org, book, finance_admin, client_for, django_capture_on_commit_callbacks
):
    # given
    client = client_for(finance_admin)

    # when: the button on the periods page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(PERIODS_URL, {"period": book.february.pk, "export": "pdf"})

    # then
    job = JobRun.objects.get(kind="export.file")
    assert response.status_code == 303
    assert (job.status, job.counts["rows"]) == (JobRun.Status.SUCCEEDED, 1 + 2 + 1 + 3)
    download = client.get(reverse("revops:export-download", args=[job.pk]))
    text = " ".join(
        p.extract_text() for p in PdfReader(io.BytesIO(b"".join(download.streaming_content))).pages
    )
    assert "Period: Feb 2026 (FY2026 Q1), open" in text
    assert "Compared with: Jan 2026 (FY2026 Q1)" in text
    assert "Attributed: $400.00 in 1 entries" in text
    assert f"period={book.february.pk}" not in text.replace(" ", "")
    for heading in ("By partner and role", "Movement", "Ledger lines", "Periods"):
        assert heading in text


# --- Deal ---------------------------------------------------------------------------------------


def _deal_url(book) -> str:
    return reverse("attribution:deal", args=[book.deal.pk])


def test_deal_csv_holds_the_page_splits(book, manager, client_for):
    # given
    client = client_for(manager)
    splits = client.get(_deal_url(book)).context["splits"]

    # when
    rows = _csv(client.get(_deal_url(book), {"export": "csv"}))

    # then
    assert rows == [
        ["Partner", "Role", "Split %", "Credit on deal value", "Allowed", "Source", "Why"],
        ["Alpha", "Referral", "10.00", "1000.00", "yes", "manual split", splits[0].explanation],
        ["Beta", "ISV", "5.00", "500.00", "yes", "manual split", splits[1].explanation],
    ]
    assert [Decimal(r[3]) for r in rows[1:]] == [s.credit for s in splits]


def test_deal_excel_has_splits_explanation_ledger_lines_history_and_account_partners(
    book, manager, client_for
):
    # given
    client = client_for(manager)
    page = client.get(_deal_url(book)).context

    # when
    workbook = _workbook(client.get(_deal_url(book), {"export": "xlsx"}))

    # then
    assert workbook.sheetnames == [
        "Splits",
        "Explanation",
        "Ledger lines",
        "Split history",
        "Partners on the account",
    ]
    _assert_formatted(workbook)
    assert _values(workbook["Explanation"])[1:] == [
        ("Alpha", "Referral", "Split", None, None, "10.00 %", "manual split"),
        ("Beta", "ISV", "Split", None, None, "5.00 %", "manual split"),
    ]
    lines = _values(workbook["Ledger lines"])[1:]
    assert [(r[3], Decimal(str(r[8]))) for r in lines] == [
        (row["entry"].partner.name, row["entry"].amount) for row in page["entries"]
    ]
    assert sum(Decimal(str(r[8])) for r in lines) == Decimal("150.00")
    assert _values(workbook["Partners on the account"])[1:] == [
        ("Alpha", "Referral", 100, 1),
        ("Beta", "ISV", 50, 1),
    ]


def test_deal_explanation_lists_every_rule_considered(org, book, admin, manager):
    # given: a rule for SI partners, which the referral and ISV links do not match
    rule_create(
        organization=org,
        actor=admin.user,
        name="SI share",
        definition={"action": {"kind": "set_split", "percent": "7"}, "conditions": {"roles": ["si"]}},
    )

    # when
    rows = list(deal_export(membership=manager, params={}, pk=book.deal.pk).tables[1].rows)

    # then
    considered = [r for r in rows if r[2] == "Rule considered"]
    assert [(r[0], r[3], r[4], r[5]) for r in considered] == [
        ("Alpha", "SI share", 1, "no match"),
        ("Beta", "SI share", 1, "no match"),
    ]


def test_deal_pdf_names_the_deal_and_the_ledger_total(org, book, manager):
    # when
    text = _pdf_text(deal_export(membership=manager, params={}, pk=book.deal.pk), org)

    # then
    assert "Deal: Initech Analytics, Initech, Negotiation" in text
    assert "Ledger: $150.00 in 2 lines" in text
    for heading in ("Splits", "Explanation", "Ledger lines", "Split history", "Partners on the account"):
        assert heading in text


def test_deal_export_outside_the_scope_is_not_found(book, rep, client_for):
    # when
    response = client_for(rep).get(reverse("attribution:deal", args=[book.other_deal.pk]), {"export": "csv"})

    # then
    assert response.status_code == 404
    assert not JobRun.objects.filter(kind="export.file").exists()


def test_deal_export_job_fails_when_the_deal_left_the_members_scope(
    book, rep, django_capture_on_commit_callbacks
):
    # given: a job for a deal the rep does not see (as if it moved to another rep meanwhile)
    with django_capture_on_commit_callbacks(execute=True):
        job = export_enqueue(
            membership=rep,
            key="attribution-deal",
            fmt="pdf",
            query="",
            url_kwargs={"pk": book.other_deal.pk},
            actor=rep.user,
        )

    # then
    job.refresh_from_db()
    assert (job.status, job.error) == (JobRun.Status.FAILED, RECORD_GONE)
    assert "file" not in job.counts


# --- Buttons ------------------------------------------------------------------------------------


def test_each_page_shows_its_export_buttons_with_its_filters(book, manager, client_for):
    # given
    client = client_for(manager)

    # when
    partners = client.get(PARTNERS_URL, {"period": "all"}, HTTP_HX_REQUEST="true").content.decode()
    periods = client.get(PERIODS_URL, {"period": book.january.pk}, HTTP_HX_REQUEST="true").content.decode()
    deal = client.get(_deal_url(book)).content.decode()

    # then
    assert 'href="?period=all&amp;export=xlsx" data-export="xlsx"' in partners
    assert f'href="?period={book.january.pk}&amp;export=pdf" data-export="pdf"' in periods
    assert f'href="{_deal_url(book)}?export=csv" data-export="csv"' in deal


def test_deal_export_buttons_point_at_the_deal_after_a_refused_split(book, manager, client_for):
    # when: a split change without a reason re-renders the whole page at the split URL
    response = client_for(manager).post(
        reverse("attribution:deal-split", args=[book.deal.pk]),
        {"partner": book.alpha.pk, "role": "referral", "split_percent": "12", "reason": ""},
    )

    # then
    assert response.status_code == 400
    assert f'href="{_deal_url(book)}?export=csv"' in response.content.decode()


def test_partner_users_get_no_export_of_these_pages(book, partner_user, client_for):
    # when
    client = client_for(partner_user)
    answers = [
        client.get(PARTNERS_URL, {"export": "csv"}).status_code,
        client.get(PERIODS_URL, {"export": "xlsx"}).status_code,
        client.get(_deal_url(book), {"export": "pdf"}).status_code,
    ]

    # then: partner users do not find internal pages (their statement is in the portal)
    assert answers == [404, 404, 404]
    assert not JobRun.objects.filter(kind="export.file").exists()


def test_deal_pdf_is_written_by_a_job_whose_page_links_back_to_the_deal(
    book, manager, client_for, django_capture_on_commit_callbacks
):
    # given
    client = client_for(manager)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(_deal_url(book), {"export": "pdf"})

    # then
    job = JobRun.objects.get(kind="export.file")
    assert job.params == {
        "export": "attribution-deal",
        "format": "pdf",
        "query": "",
        "url_kwargs": {"pk": book.deal.pk},
    }
    assert job.status == JobRun.Status.SUCCEEDED
    status_page = client.get(response["Location"]).content.decode()
    assert f'<a href="{_deal_url(book)}">Deal attribution</a>' in status_page
