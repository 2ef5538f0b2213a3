"""The report kit alone: a hand-made Report rendered to Excel (formats, frozen header, totals,
formula-safe text) and to PDF (templated pages, then the long table's pages, one file)."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from revops.reports.kit import Chart, Fmt, Kpi, Report, Rows, Table
from revops.reports.pdf import report_pdf_bytes
from revops.reports.xlsx import report_xlsx_bytes

LONG_ROWS = 130  # more than three landscape pages of 40 rows


def _report() -> Report:
    lines = [(i, f"Line {i}", Decimal("1.50")) for i in range(1, LONG_ROWS + 1)]
    return Report(
        key="kit",
        title="Kit report",
        subtitle="All time",
        organization_name="Acme",
        currency="USD",
        prepared_for="Ann Admin, admin (sees the whole organization)",
        generated_at=dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC),
        filename="kit-2026-03-01",
        summary=["Two partners were credited $300.00."],
        kpis=[Kpi("Credited", Decimal("300.00"), Fmt.MONEY, Decimal("12.5")), Kpi("Partners", 2, Fmt.COUNT)],
        charts=[
            Chart("By partner", "barh", ["Alpha", "=Beta"], [("Credit", [Decimal("200"), Decimal("100")])])
        ],
        tables=[
            Table(
                "Partners",
                ("Partner", "Deals", "Amount", "Share %", "Since"),
                (Fmt.TEXT, Fmt.COUNT, Fmt.MONEY, Fmt.PERCENT, Fmt.DATE),
                [
                    ("Alpha", 3, Decimal("200.00"), Decimal("66.7"), dt.date(2025, 1, 2)),
                    ('=HYPERLINK("x")', 1, Decimal("100.00"), Decimal("33.3"), dt.date(2025, 6, 1)),
                ],
                totals=("Total", 4, Decimal("300.00"), Decimal("100"), None),
            ),
            Table(
                "Lines",
                ("#", "Text", "Amount"),
                (Fmt.COUNT, Fmt.TEXT, Fmt.MONEY),
                Rows(lambda: lines),
                totals=("130 lines", None, Decimal("195.00")),
                count=LONG_ROWS,
                long=True,
            ),
        ],
    )


def test_xlsx_sheets_are_formatted_with_totals_and_formula_safe_text():
    # when
    workbook = load_workbook(io.BytesIO(report_xlsx_bytes(_report())))

    # then
    assert workbook.sheetnames == ["Summary", "Charts", "Partners", "Lines"]
    sheet = workbook["Partners"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Partner", "Deals", "Amount", "Share %", "Since")
    assert rows[2][0] == '\'=HYPERLINK("x")'  # quoted: Excel shows it as text, never runs it
    assert rows[-1] == ("Total", 4, Decimal("300.00"), Decimal("100"), None)
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.bold and sheet["A4"].font.bold
    assert (sheet["B2"].number_format, sheet["C2"].number_format, sheet["D2"].number_format) == (
        "#,##0",
        "#,##0.00",
        '0.0"%"',
    )
    assert sheet["E2"].number_format == "yyyy-mm-dd"
    assert sheet.column_dimensions["A"].width >= len('=HYPERLINK("x")')
    lines = list(workbook["Lines"].iter_rows(values_only=True))
    assert len(lines) == 1 + LONG_ROWS + 1 and lines[-1][2] == Decimal("195.00")
    summary = list(workbook["Summary"].iter_rows(values_only=True))
    assert ("Credited", Decimal("300.00"), "up 12.5% on the previous period") in summary
    assert len(workbook["Charts"]._images) == 1


def test_pdf_joins_the_templated_pages_and_the_long_tables_pages():
    # when
    reader = PdfReader(io.BytesIO(report_pdf_bytes(_report())))
    texts = [page.extract_text() for page in reader.pages]

    # then: cover, summary/KPIs/charts/short tables, then the lines in landscape blocks
    assert "Kit report" in texts[0] and "Prepared for Ann Admin" in texts[0]
    body = " ".join(texts)
    assert "Two partners were credited $300.00." in body
    assert "$300.00" in body and "up 12.5% on the previous period" in body
    assert "130 lines, listed in full on the pages that follow" in body
    assert "Line 1 " in body.replace("\n", " ") and f"Line {LONG_ROWS}" in body
    landscape = [p for p in reader.pages if p.mediabox.width > p.mediabox.height]
    assert len(landscape) == 4  # 130 rows in blocks of 40
    assert reader.metadata.title == "Kit report"


def test_a_table_needs_a_format_per_column():
    with pytest.raises(ValueError, match="2 headers but 1 formats"):
        Table("Bad", ("A", "B"), (Fmt.TEXT,), [])
