"""CSV and Excel exports of table pages, safe against formula injection.

A spreadsheet runs a cell that starts with =, +, -, @ (and, in some programs, tab or CR) as a
formula. Text cells starting with one of those get a leading single quote, so they show as
text. Numbers stay numbers (numeric cells in Excel, money with a number format) and dates
stay dates; only text is touched.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")


def neutralise(text: str) -> str:
    """Prefix a single quote when a text would be read as a formula."""
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


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


def xlsx_bytes(headers: Sequence[str], rows: Iterable[Sequence[Any]], sheet_title: str = "Export") -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=neutralise(header))
        cell.font = Font(bold=True)
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([xlsx_cell(sheet, v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def attachment_response(content: bytes | str, *, filename: str, content_type: str) -> HttpResponse:
    """A download named `filename` (with its extension)."""
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def export_response(
    fmt: str, filename: str, headers: Sequence[str], rows: Iterable[Sequence[Any]]
) -> HttpResponse:
    """An attachment in `fmt` ("csv" or "xlsx") named `filename`.<fmt>."""
    if fmt == "xlsx":
        content, content_type = xlsx_bytes(headers, rows, sheet_title=filename), XLSX_CONTENT_TYPE
    elif fmt == "csv":
        content, content_type = csv_bytes(headers, rows), CSV_CONTENT_TYPE
    else:
        raise ValueError(f"Unknown export format: {fmt}")
    return attachment_response(content, filename=f"{filename}.{fmt}", content_type=content_type)
