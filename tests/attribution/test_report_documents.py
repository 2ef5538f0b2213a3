"""The four attribution reports as PDF and Excel: sections, figures equal to the selectors,
totals rows, and the member's scope (a rep's report holds none of another rep's deals)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from attribution.selectors.ledger import chain_head, ledger_list, ledger_summary, ledger_totals
from attribution.selectors.performance import partner_performance
from revops.models import AuditEvent
from revops.reports.kit import ReportParams
from revops.selectors.dashboard import dashboard_get
from revops.selectors.periods import period_range
from revops.services.reports import report_build, report_bytes
from tests.attribution.factories_pages import build_book
from tests.revops.factories import OpportunityFactory

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 3, 31)  # Q1 2026 holds the book's revenue (January, February)
QUARTER = ReportParams(period="this_quarter")
SENTINEL = "Zanzibar Sentinel Deal"  # the other rep's won deal: never in the rep's report


@pytest.fixture
def book(org, rep, other_rep):
    built = build_book(org, rep, other_rep)
    OpportunityFactory(
        organization=org,
        owner=rep.user,
        account=built.deal.account,
        name="Initech Renewal",
        amount=Decimal("7000.00"),
        stage="closed_won",
        close_date=dt.date(2026, 2, 14),
    )
    OpportunityFactory(
        organization=org,
        owner=other_rep.user,
        account=built.other_deal.account,
        name=SENTINEL,
        amount=Decimal("9000.00"),
        stage="closed_won",
        close_date=dt.date(2026, 3, 2),
    )
    # Last quarter: one won deal of the rep, for the period-over-period change.
    OpportunityFactory(
        organization=org,
        owner=rep.user,
        account=built.deal.account,
        name="Initech Pilot",
        amount=Decimal("3500.00"),
        stage="closed_won",
        close_date=dt.date(2025, 11, 3),
    )
    return built


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def _flat(text: str) -> str:
    return "".join(text.split())


def _sheet_rows(content: bytes, title: str) -> list[tuple]:
    workbook = load_workbook(io.BytesIO(content))
    return [tuple(row) for row in workbook[title].iter_rows(values_only=True)]


def test_executive_pdf_has_its_sections_and_the_dashboard_figures(org, book, admin):
    # given
    dashboard = dashboard_get(membership=admin, period="this_quarter", today=TODAY)
    dates = period_range(org, "this_quarter", TODAY)
    performance = partner_performance(membership=admin, dates=dates)

    # when
    report = report_build(membership=admin, key="executive", params=QUARTER, today=TODAY)
    text = _pdf_text(report_bytes(report, "pdf"))

    # then: the cover, every section, and the figures as the selectors give them
    flat = _flat(text)
    for section in (
        "Executive report",
        "Summary",
        "Key figures",
        "Period over period",
        "Open pipeline by stage",
        "Bookings by month",
        "Top partners",
        "Largest deals won",
        "Largest open deals",
    ):
        assert section in text, section
    assert dashboard.kpis.won_amount == Decimal("16000.00")
    assert performance.partner_credit == Decimal("550.00")
    assert _flat("Bookings were $16,000.00 from 2 deals won") in flat
    assert _flat("up 357.1% on the previous period ($3,500.00)") in flat
    assert _flat(f"Open pipeline stands at $30,000.00 across {dashboard.kpis.open_count} open deals") in flat
    assert dashboard.kpis.open_pipeline == Decimal("30000.00")
    assert _flat("Partners were credited $550.00") in flat
    assert "Alpha" in text and "Beta" in text and _flat(SENTINEL) in flat


def test_executive_xlsx_totals_equal_the_selectors(org, book, admin):
    # given
    dashboard = dashboard_get(membership=admin, period="this_quarter", today=TODAY)
    performance = partner_performance(membership=admin, dates=period_range(org, "this_quarter", TODAY))

    # when
    report = report_build(membership=admin, key="executive", params=QUARTER, today=TODAY)
    content = report_bytes(report, "xlsx")

    # then: every sheet, a totals row at the foot of each that has one
    workbook = load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == [
        "Summary",
        "Charts",
        "Period over period",
        "Open pipeline by stage",
        "Bookings by month",
        "Top partners",
        "Largest deals won",
        "Largest open deals",
    ]
    stages = _sheet_rows(content, "Open pipeline by stage")
    assert stages[-1] == ("Total", dashboard.kpis.open_count, dashboard.kpis.open_pipeline)
    months = _sheet_rows(content, "Bookings by month")
    assert months[-1] == ("Total", dashboard.kpis.won_count, dashboard.kpis.won_amount)
    assert sum(row[2] for row in months[1:-1]) == dashboard.kpis.won_amount
    partners = _sheet_rows(content, "Top partners")
    assert partners[-1][4] == performance.partner_credit
    sheet = workbook["Top partners"]
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold and sheet["E2"].number_format == "#,##0.00"


def test_partner_performance_report_totals_equal_the_selector(org, book, admin):
    # given
    performance = partner_performance(membership=admin, dates=period_range(org, "this_quarter", TODAY))
    report = report_build(membership=admin, key="partner-performance", params=QUARTER, today=TODAY)

    # when
    pdf = _pdf_text(report_bytes(report, "pdf"))
    content = report_bytes(report, "xlsx")

    # then
    partners = _sheet_rows(content, "Partners")
    assert [r[1] for r in partners[1:-1]] == [p.name for p in performance.partners]
    assert [r[4] for r in partners[1:-1]] == [p.amount for p in performance.partners]
    assert partners[-1][4] == performance.partner_credit == Decimal("550.00")
    for sheet in ("By role", "By partner tier", "By month"):
        rows = _sheet_rows(content, sheet)
        assert rows[-1] == ("Total", performance.partner_credit), sheet
        assert sum(r[1] for r in rows[1:-1]) == performance.partner_credit, sheet
    flat = _flat(pdf)
    for p in performance.partners:
        assert _flat(f"{p.name}") in flat and _flat(f"{p.amount:,.2f}") in flat
    assert _flat("2 partners were credited $550.00") in flat


def test_account_drilldown_lists_deals_splits_and_ledger_lines(org, book, admin):
    # given
    account = book.deal.account
    filterset, qs = ledger_list(membership=admin, filters={"account": account.pk})
    totals = ledger_totals(qs, membership=admin, filterset=filterset)

    # when
    report = report_build(
        membership=admin,
        key="account-drilldown",
        params=ReportParams("this_quarter", account.pk),
        today=TODAY,
    )
    pdf = _pdf_text(report_bytes(report, "pdf"))
    content = report_bytes(report, "xlsx")

    # then
    assert totals.count == 2 and totals.amount == Decimal("150.00")
    deals = _sheet_rows(content, "Deals")
    assert sorted(r[0] for r in deals[1:-1]) == ["Initech Analytics", "Initech Pilot", "Initech Renewal"]
    assert deals[-1][5] == Decimal("20500.00")
    splits = _sheet_rows(content, "Splits")
    assert sorted((r[1], r[4]) for r in splits[1:-1]) == [
        ("Alpha", Decimal("1000.00")),
        ("Beta", Decimal("500.00")),
    ]
    ledger = _sheet_rows(content, "Ledger lines")
    assert len(ledger) == 1 + totals.count + 1
    assert ledger[-1][8] == totals.amount
    for section in ("Deals", "Partners", "Splits", "Ledger lines"):
        assert section in pdf
    assert _flat("the ledger credits partners $150.00 in 2 lines") in _flat(pdf)


def test_audit_trail_has_lines_events_chain_head_and_verification(org, book, finance_admin):
    # given
    head = chain_head(membership=finance_admin)
    events = AuditEvent.objects.filter(organization=org).count()

    # when
    report = report_build(
        membership=finance_admin, key="audit-trail", params=ReportParams("all"), today=TODAY
    )
    pdf = _pdf_text(report_bytes(report, "pdf"))
    report = report_build(
        membership=finance_admin, key="audit-trail", params=ReportParams("all"), today=TODAY
    )
    content = report_bytes(report, "xlsx")

    # then
    flat = _flat(pdf)
    assert _flat(f"entry #{head.sequence}, hash {head.hash}") in flat
    assert _flat("verified: 3 entries") in flat
    assert head.hash[:12] in flat  # every line carries its hash, as the ledger page's audit PDF
    ledger = _sheet_rows(content, "Ledger lines")
    assert ledger[-1][8] == Decimal("550.00") and len(ledger) == 1 + 3 + 1
    audit = _sheet_rows(content, "Audit events")
    assert len(audit) == 1 + events + 1


def test_audit_trail_is_refused_to_a_rep(book, rep):
    # when / then
    with pytest.raises(Exception, match="may not run the report 'Audit trail'"):
        report_build(membership=rep, key="audit-trail", params=ReportParams("all"), today=TODAY)


@pytest.mark.parametrize("key", ["executive", "partner-performance"])
def test_a_reps_report_holds_none_of_another_reps_deals(org, book, rep, key):
    # given: the other rep's deal (Umbrella, the sentinel) is in the admin's report
    performance = partner_performance(membership=rep, dates=period_range(org, "this_quarter", TODAY))

    # when
    report = report_build(membership=rep, key=key, params=QUARTER, today=TODAY)
    pdf = _pdf_text(report_bytes(report, "pdf"))
    report = report_build(membership=rep, key=key, params=QUARTER, today=TODAY)
    content = report_bytes(report, "xlsx")

    # then: no name of the other rep's deals or account, and the rep's own figures
    cells = " ".join(
        str(v)
        for ws in load_workbook(io.BytesIO(content)).worksheets
        for row in ws.iter_rows(values_only=True)
        for v in row
        if v is not None
    )
    for text in (pdf, cells):
        assert SENTINEL not in text
        assert "Umbrella" not in text
    assert performance.partner_credit == Decimal("150.00")  # Alpha 100 + Beta 50 on the rep's deal
    assert _flat("$150.00") in _flat(pdf)
    assert "sees their own deals only" in pdf


def test_audit_trail_pdf_lists_lines_up_to_its_limit_and_the_excel_every_line(
    org, book, finance_admin, monkeypatch
):
    # given: the PDF with every line, then a limit under the book's three lines (a module constant)
    report = report_build(
        membership=finance_admin, key="audit-trail", params=ReportParams("all"), today=TODAY
    )
    unlimited = _flat(_pdf_text(report_bytes(report, "pdf")))
    monkeypatch.setattr("attribution.reports.audit.PDF_LEDGER_LINES", 2)
    _filterset, lines = ledger_list(membership=finance_admin, filters={})
    totals = ledger_totals(lines, membership=finance_admin)
    summary = ledger_summary(lines)
    hashes = list(lines.order_by("sequence").values_list("hash", flat=True))

    # when
    report = report_build(
        membership=finance_admin, key="audit-trail", params=ReportParams("all"), today=TODAY
    )
    pdf = _pdf_text(report_bytes(report, "pdf"))
    report = report_build(
        membership=finance_admin, key="audit-trail", params=ReportParams("all"), today=TODAY
    )
    content = report_bytes(report, "xlsx")

    # then: the PDF says how many of how many, lists the first lines only, and sums every line
    flat = _flat(pdf)
    assert (totals.count, len(hashes)) == (3, 3)
    assert _flat("The PDF lists the first 2 of the 3 ledger lines") in flat
    assert _flat("3 lines: the first 2 are listed on the pages that follow") in flat
    # the third line is not listed (its hash is still printed as the chain head's)
    assert [unlimited.count(h[:12]) - flat.count(h[:12]) for h in hashes] == [0, 0, 1]
    assert "The PDF lists the first" not in unlimited
    for row in summary:
        assert _flat(f"{row.period} {row.partner} {row.role} {row.lines} {row.amount:,.2f}") in flat
    assert sum(r.lines for r in summary) == totals.count
    assert sum(r.amount for r in summary) == totals.amount
    # and the workbook holds every line, the selectors' totals and the same sums
    ledger = _sheet_rows(content, "Ledger lines")
    assert [row[0] for row in ledger[1:-1]] == list(
        lines.order_by("sequence").values_list("sequence", flat=True)
    )
    assert ledger[-1][8] == totals.amount
    sums = _sheet_rows(content, "Lines by period, partner, role")
    assert sums[1:-1] == [(r.period, r.partner, r.role, r.lines, r.amount) for r in summary]
    assert sums[-1][3:] == (totals.count, totals.amount)
