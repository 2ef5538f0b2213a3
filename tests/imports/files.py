"""Build import files in memory for the tests: XLSX workbooks and PDF tables."""

from __future__ import annotations

import io

from openpyxl import Workbook
from reportlab.lib.pagesizes import A4, landscape
from reportlab.platypus import SimpleDocTemplate, Table, TableStyle


def xlsx(sheets: dict[str, list[list[object]]]) -> bytes:
    """A workbook with the given sheets, each a list of rows."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def pdf_table(rows: list[list[str]], title_rows: int = 0) -> bytes:
    """A PDF with one ruled table (so pdfplumber finds its cells)."""
    out = io.BytesIO()
    document = SimpleDocTemplate(out, pagesize=landscape(A4))
    table = Table(rows)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, "black")]))
    document.build([table])
    return out.getvalue()
