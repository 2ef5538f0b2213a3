"""CSV and Excel files of table pages, safe against formula injection.

An export is one or more `ExportTable`s (a title, headers, rows). CSV carries the first table;
Excel one formatted sheet per table: bold frozen header, filters on every column, widths fitted
to the content, money and dates as numbers with formats. (PDF: revops.reports_pdf.)

A spreadsheet runs a cell that starts with =, +, -, @ (and, in some programs, tab or CR) as a
formula. Text cells starting with one of those get a leading single quote, so they show as
text. Numbers stay numbers (numeric cells in Excel, money with a number format) and dates
stay dates; only text is touched. Control characters (which Excel files cannot hold at all)
are removed from text first, so one stray byte in a name never breaks an export.
`export_text` is the one function every export door calls: these helpers, and the
django-import-export resources of the admin (`revops.resources.OrganizationResource`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from revops.text import clean_text

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# A text that is a plain decimal number (the admin's CSV renders numbers as text) is data.
PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")
MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")
# Column widths are fitted to the header and the first rows (the sheet is written row by row,
# so widths must be known before the first row): enough to size the columns of a typical page.
WIDTH_SAMPLE_ROWS = 200
MIN_WIDTH, MAX_WIDTH = 8, 60
HEADER_FILL = PatternFill("solid", start_color="F1F5F9", end_color="F1F5F9")

Progress = Callable[[int], None]  # called with the number of rows written so far


@dataclass
class ExportTable:
    """One table of an export: a sheet in Excel, a section in PDF, the CSV file itself."""

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]
    count: int | None = None  # rows, when known before writing (progress, inline limit)


def neutralise(text: str) -> str:
    """`text` cleaned of control characters, with a single quote first if it would run as a formula."""
    text = clean_text(text)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def export_text(value: Any) -> Any:
    """A cell value safe to export: text neutralised (plain numbers kept), anything else as is."""
    if not isinstance(value, str) or PLAIN_NUMBER.fullmatch(value):
        return value
    return neutralise(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _naive_utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        return value
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def csv_value(value: Any) -> Any:
    """One CSV field: numbers as written, dates in ISO format, text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if _is_number(value):
        return value
    if isinstance(value, dt.datetime):
        return _naive_utc(value).isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return neutralise(str(value))


def xlsx_cell(sheet, value: Any) -> WriteOnlyCell:
    """One Excel cell: numeric for numbers (money formatted), date for dates, text neutralised."""
    if value is None:
        return WriteOnlyCell(sheet, value=None)
    if isinstance(value, bool):
        return WriteOnlyCell(sheet, value=value)
    if _is_number(value):
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, Decimal):
            cell.number_format = MONEY_FORMAT
        return cell
    if isinstance(value, dt.datetime):
        cell = WriteOnlyCell(sheet, value=_naive_utc(value))
        cell.number_format = DATETIME_FORMAT
        return cell
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = DATE_FORMAT
        return cell
    cell = WriteOnlyCell(sheet, value=neutralise(str(value)))
    cell.data_type = "s"  # never let openpyxl guess a formula
    return cell


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(h) for h in headers])
    for row in rows:
        writer.writerow([csv_value(v) for v in row])
    # A BOM so Excel opens UTF-8 correctly.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, Decimal):
        return len(f"{value:,.2f}")
    if isinstance(value, dt.datetime):
        return 19
    if isinstance(value, dt.date):
        return 10
    return max((len(line) for line in str(value).splitlines()), default=0)


def _write_sheet(workbook: Workbook, table: ExportTable, progress: Progress | None, done: int) -> int:
    sheet = workbook.create_sheet(title=_sheet_title(workbook, table.title))
    rows = iter(table.rows)
    sample = [row for _, row in zip(range(WIDTH_SAMPLE_ROWS), rows, strict=False)]
    for index, header in enumerate(table.headers, start=1):
        widest = max([len(str(header)) + 2, *(_width(row[index - 1]) for row in sample if len(row) >= index)])
        sheet.column_dimensions[get_column_letter(index)].width = max(MIN_WIDTH, min(MAX_WIDTH, widest + 2))
    sheet.freeze_panes = "A2"
    header_cells = []
    for header in table.headers:
        cell = WriteOnlyCell(sheet, value=neutralise(str(header)))
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="center")
        header_cells.append(cell)
    sheet.append(header_cells)
    written = 0
    for row in _chain(sample, rows):
        sheet.append([xlsx_cell(sheet, v) for v in row])
        written += 1
        if progress is not None and written % 1000 == 0:
            progress(done + written)
    last_column = get_column_letter(max(1, len(table.headers)))
    sheet.auto_filter.ref = f"A1:{last_column}{written + 1}"
    return written


def _chain(first: list, rest) -> Iterable:
    yield from first
    yield from rest


def _sheet_title(workbook: Workbook, title: str) -> str:
    """Excel's rules: 31 characters at most, no []:*?/ or backslash, unique in the workbook."""
    clean = "".join("-" if c in "[]:*?/\\" else c for c in (title or "Export"))[:31] or "Export"
    taken = {ws.title for ws in workbook.worksheets}
    candidate, n = clean, 2
    while candidate in taken:
        suffix = f" ({n})"
        candidate, n = clean[: 31 - len(suffix)] + suffix, n + 1
    return candidate


def xlsx_workbook_bytes(tables: Sequence[ExportTable], progress: Progress | None = None) -> bytes:
    """A workbook with one formatted sheet per table."""
    workbook = Workbook(write_only=True)
    done = 0
    for table in tables:
        done += _write_sheet(workbook, table, progress, done)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]], sheet_title: str = "Export") -> bytes:
    return xlsx_workbook_bytes([ExportTable(sheet_title, headers, rows)])


def attachment_response(content: bytes | str, *, filename: str, content_type: str) -> HttpResponse:
    """A download named `filename` (with its extension)."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def export_response(
    fmt: str, filename: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]
) -> HttpResponse:
    """An attachment in `fmt` ("csv" or "xlsx") named `filename`.<fmt>."""
    return tables_response(fmt, filename, [ExportTable(filename, headers, rows)])


def tables_bytes(
    fmt: str, tables: Sequence[ExportTable], progress: Progress | None = None
) -> tuple[bytes, str]:
    """(content, content type) of `tables` in "csv" (the first table) or "xlsx" (one sheet each)."""
    if fmt == "xlsx":
        return xlsx_workbook_bytes(tables, progress), XLSX_CONTENT_TYPE
    if fmt == "csv":
        return csv_bytes(tables[0].headers, tables[0].rows), CSV_CONTENT_TYPE
    raise ValueError(f"Unknown export format: {fmt}")


def tables_response(fmt: str, filename: str, tables: Sequence[ExportTable]) -> HttpResponse:
    content, content_type = tables_bytes(fmt, tables)
    return attachment_response(content, filename=f"{filename}.{fmt}", content_type=content_type)
