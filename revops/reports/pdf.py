"""A report as a PDF: the templated pages through xhtml2pdf, then its long tables.

The cover, summary, KPI tiles, charts and the short tables are laid out by xhtml2pdf from
`templates/revops/reports/report_pdf.html` (charts embedded as PNG data URIs). A long table
(ledger lines: thousands of rows) is laid out by `revops.reports_pdf` in page-sized blocks,
whose time grows linearly with the rows (an HTML table through xhtml2pdf does not), and the two
documents are joined with pypdf.
"""

from __future__ import annotations

import base64
import io
import itertools
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string

from revops.exports import ExportTable
from revops.formatting import format_money
from revops.reports.images import chart_png
from revops.reports.kit import Fmt, Kpi, Report, Table
from revops.reports_pdf import ReportError, cell_text, pdf_bytes

Progress = Callable[[int], None]  # percent of the file written, 0-100
TEMPLATE = "revops/reports/report_pdf.html"


def kpi_text(kpi: Kpi, currency: str) -> str:
    """The figure of a tile as printed (exact money, grouped counts, one-decimal percent)."""
    if kpi.fmt == Fmt.MONEY:
        return format_money(Decimal(kpi.value), currency, exact=True)
    if kpi.fmt == Fmt.PERCENT:
        return f"{Decimal(kpi.value):.1f}%"
    return f"{kpi.value:,}"


def change_text(change: Decimal | None) -> str:
    """ "up 12.5% on the previous period" (words, not a sign: a leading + is a formula in Excel)."""
    if change is None:
        return "no earlier figure"
    if not change:
        return "unchanged on the previous period"
    return f"{'up' if change > 0 else 'down'} {abs(change)}% on the previous period"


def value_text(value: Any, fmt: Fmt) -> str:
    if value is None:
        return ""
    if fmt == Fmt.PERCENT and isinstance(value, Decimal | int | float):
        return f"{Decimal(value):.1f}%"
    if fmt == Fmt.COUNT and isinstance(value, int):
        return f"{value:,}"
    return cell_text(value)


def _table_context(table: Table) -> dict:
    right = [f in (Fmt.MONEY, Fmt.COUNT, Fmt.PERCENT) for f in table.formats]
    rows = [
        [(value_text(v, f), r) for v, f, r in zip(row, table.formats, right, strict=False)]
        for row in table.rows
    ]
    totals = (
        [(value_text(v, f), r) for v, f, r in zip(table.totals, table.formats, right, strict=False)]
        if table.totals is not None
        else None
    )
    return {
        "title": table.title,
        "note": table.note,
        "headers": list(zip(table.headers, right, strict=True)),
        "rows": rows,
        "totals": totals,
    }


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _templated_pdf(report: Report, short: Sequence[Table], progress: Progress) -> bytes:
    from xhtml2pdf import pisa

    charts = []
    for index, chart in enumerate(report.charts):
        charts.append({"title": chart.title, "src": _data_uri(chart_png(chart))})
        progress(10 + 30 * (index + 1) // max(1, len(report.charts)))
    kpis = [
        {
            "label": k.label,
            "value": kpi_text(k, report.currency),
            "change": change_text(k.change_pct),
            "note": k.note,
        }
        for k in report.kpis
    ]
    context = {
        "report": report,
        # Three tiles to a row: xhtml2pdf lays out tables, not flex boxes.
        "kpi_rows": [kpis[i : i + 3] for i in range(0, len(kpis), 3)],
        "charts": charts,
        "tables": [_table_context(t) for t in short],
        "long_tables": [
            {"title": t.title, "count": t.count or 0, "listed": t.pdf_rows or 0, "note": t.note}
            for t in report.tables
            if t.long
        ],
    }
    html = render_to_string(TEMPLATE, context)
    buffer = io.BytesIO()
    status = pisa.CreatePDF(html, dest=buffer, encoding="utf-8")
    if status.err:
        raise ReportError(f"The report {report.title!r} could not be laid out ({status.err} errors).")
    return buffer.getvalue()


def report_pdf_bytes(report: Report, progress: Progress | None = None) -> bytes:
    """The report as one PDF; `progress` hears the percent done."""
    from pypdf import PdfReader, PdfWriter

    tell = progress or (lambda _percent: None)
    short = [t for t in report.tables if not t.long]
    long = [t for t in report.tables if t.long]
    front = _templated_pdf(report, short, tell)
    tell(60)
    if not long:
        tell(100)
        return front
    total = sum(t.pdf_rows or 0 for t in long) or 1
    appendix = pdf_bytes(
        title=f"{report.title} — lines",
        organization_name=report.organization_name,
        tables=[
            ExportTable(t.title, t.headers, itertools.islice(t.rows, t.pdf_rows), t.pdf_rows)
            if t.pdf_rows != t.count
            else ExportTable(t.title, t.headers, t.rows, t.count)
            for t in long
        ],
        progress=lambda done: tell(60 + 35 * min(done, total) // total),
    )
    writer = PdfWriter()
    for part in (front, appendix):
        writer.append(PdfReader(io.BytesIO(part)))
    writer.add_metadata({"/Title": report.title, "/Author": report.organization_name})
    buffer = io.BytesIO()
    writer.write(buffer)
    tell(100)
    return buffer.getvalue()
