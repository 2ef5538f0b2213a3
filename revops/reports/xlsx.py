"""A report as a formatted Excel workbook: a Summary sheet, a Charts sheet, a sheet per table.

Every table sheet has a styled header row, frozen below it, column widths fitted to the first
rows, a number format per column (money with two decimals, counts grouped, percents, dates)
and a bold totals row whose figures are the builder's (the selectors'), written as values so
they read the same in any viewer, recalculating or not.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.drawing.image import Image
from openpyxl.styles import Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from revops.exports import (
    DATE_FORMAT,
    DATETIME_FORMAT,
    HEADER_FILL,
    MONEY_FORMAT,
    _sheet_title,
    _width,
    neutralise,
    xlsx_cell,
)
from revops.reports.images import chart_png
from revops.reports.kit import Fmt, Report, Table
from revops.reports.pdf import change_text

Progress = Callable[[int], None]
COUNT_FORMAT = "#,##0"
PERCENT_FORMAT = '0.0"%"'  # the figure is already a percent (12.5 means 12.5 %)
NUMBER_FORMATS = {
    Fmt.MONEY: MONEY_FORMAT,
    Fmt.COUNT: COUNT_FORMAT,
    Fmt.PERCENT: PERCENT_FORMAT,
    Fmt.DATE: DATE_FORMAT,
    Fmt.DATETIME: DATETIME_FORMAT,
}
WIDTH_SAMPLE_ROWS = 200
MIN_WIDTH, MAX_WIDTH = 8, 60
TITLE_FONT = Font(bold=True, size=16, color="312E81")
BOLD = Font(bold=True)
TOTALS_FILL = PatternFill("solid", start_color="EEF2FF", end_color="EEF2FF")
TOTALS_BORDER = Border(top=Side(style="thin", color="0F172A"))
CHART_ROWS = 16  # rows one chart image covers at its default size


def _cell(sheet, value: Any, fmt: Fmt, *, bold: bool = False) -> WriteOnlyCell:
    cell = xlsx_cell(sheet, value)
    if fmt in NUMBER_FORMATS and value is not None and not isinstance(value, str):
        cell.number_format = NUMBER_FORMATS[fmt]
    if bold:
        cell.font = BOLD
        cell.fill = TOTALS_FILL
        cell.border = TOTALS_BORDER
    return cell


def _text(sheet, value: Any, font: Font | None = None) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=neutralise(str(value)))
    cell.data_type = "s"
    if font is not None:
        cell.font = font
    return cell


def _summary_sheet(workbook: Workbook, report: Report) -> None:
    sheet = workbook.create_sheet("Summary")
    sheet.column_dimensions["A"].width = 34
    sheet.column_dimensions["B"].width = 24
    sheet.column_dimensions["C"].width = 34
    sheet.append([_text(sheet, report.title, TITLE_FONT)])
    sheet.append([_text(sheet, report.subtitle)])
    sheet.append([_text(sheet, report.organization_name)])
    sheet.append([_text(sheet, f"Prepared for {report.prepared_for}")])
    sheet.append(
        [
            _text(sheet, "Generated (UTC)"),
            _cell(sheet, report.generated_at.replace(microsecond=0), Fmt.DATETIME),
        ]
    )
    sheet.append([])
    for paragraph in report.summary:
        sheet.append([_text(sheet, paragraph)])
    sheet.append([])
    if report.kpis:
        header = [_text(sheet, h, BOLD) for h in ("Key figure", "Value", "Change")]
        for cell in header:
            cell.fill = HEADER_FILL
        sheet.append(header)
        for kpi in report.kpis:
            value = Decimal(kpi.value) if kpi.fmt != Fmt.COUNT else kpi.value
            sheet.append(
                [
                    _text(sheet, kpi.label),
                    _cell(sheet, value, kpi.fmt),
                    _text(sheet, kpi.note or change_text(kpi.change_pct)),
                ]
            )
        sheet.append([])
    for label, text in report.facts:
        sheet.append([_text(sheet, label, BOLD), _text(sheet, text)])


def _charts_sheet(workbook: Workbook, report: Report) -> None:
    if not report.charts:
        return
    sheet = workbook.create_sheet("Charts")
    for index, chart in enumerate(report.charts):
        image = Image(io.BytesIO(chart_png(chart)))
        image.anchor = f"A{1 + index * CHART_ROWS}"
        sheet.add_image(image)


def _widths(table: Table, sample: Sequence[Sequence[Any]]) -> list[int]:
    widths: list[int] = []
    for index, header in enumerate(table.headers):
        values = [row[index] for row in sample if len(row) > index]
        if table.totals is not None:
            values.append(table.totals[index])
        widest = max([len(str(header)) + 2, *(_width(v) for v in values)])
        widths.append(max(MIN_WIDTH, min(MAX_WIDTH, widest + 2)))
    return widths


def _table_sheet(workbook: Workbook, table: Table, progress: Callable[[int], None]) -> int:
    sheet = workbook.create_sheet(title=_sheet_title(workbook, table.title))
    rows = iter(table.rows)
    sample = [row for _, row in zip(range(WIDTH_SAMPLE_ROWS), rows, strict=False)]
    for index, width in enumerate(_widths(table, sample), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    header = []
    for title in table.headers:
        cell = _text(sheet, title, BOLD)
        cell.fill = HEADER_FILL
        header.append(cell)
    sheet.append(header)
    written = 0
    for source in (sample, rows):
        for row in source:
            sheet.append([_cell(sheet, v, f) for v, f in zip(row, table.formats, strict=False)])
            written += 1
            if written % 1000 == 0:
                progress(written)
    if table.totals is not None:
        sheet.append(
            [_cell(sheet, v, f, bold=True) for v, f in zip(table.totals, table.formats, strict=False)]
        )
    return written


def report_xlsx_bytes(report: Report, progress: Progress | None = None) -> bytes:
    """The report as a workbook; `progress` hears the percent done."""
    tell = progress or (lambda _percent: None)
    # Write-only: a ledger sheet of 100,000 lines streams to the file instead of living in memory.
    workbook = Workbook(write_only=True)
    _summary_sheet(workbook, report)
    _charts_sheet(workbook, report)
    tell(20)
    total = report.row_count or 1
    done = 0
    for table in report.tables:

        def table_progress(n: int, base: int = done) -> None:
            tell(20 + 75 * min(base + n, total) // total)

        done += _table_sheet(workbook, table, table_progress)
    buffer = io.BytesIO()
    workbook.save(buffer)
    tell(100)
    return buffer.getvalue()
