"""The demo's six source files, each in its own layout, and the import profile that reads it.

| source | file | layout |
|---|---|---|
| `erp` | CSV | `;`, Latin-1, German headers, `1.234,56`, `31.12.2025`, rep by ERP number, credit notes by document type |
| `crm` | CSV | `,`, UTF-8 with BOM, `$1,234.56`, `12/31/2025`, rep by e-mail, product by name, account id, refunds by type |
| `billing` | XLSX | header on row 1, Excel serial dates, rep by full name, product line by name, credits negative |
| `channel` | XLSX | a title block above the header (row 5), dates as `31-Dec-2025` text, rep as "Last, First", SKU, a commissionable amount |
| `services` | XLSX | header on row 2, no dates (the period is given at upload), services by the accounting system's name, reps by customer ZIP |
| `reseller` | PDF | a report whose table repeats its header on each page, ISO dates, `1 234.56`, rep by full name, product line by name |

Rendering is pure: rows and names in, bytes out.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from commissions.demo_data.sales import NO_ACCOUNT, AccountNames, Catalog, DemoSale
from revops.imports.profiles import EXCEL_EPOCH

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}


@dataclass(frozen=True)
class Heading:
    """What a file says about itself: the organization, its currency, the export day."""

    organization: str
    currency: str
    today: dt.date


@dataclass(frozen=True)
class Source:
    """One source system's file: its profile (ProfileSpec JSON) and how it writes rows."""

    key: str
    profile: str
    filename: str
    spec: Callable[[Heading], dict[str, Any]]
    render: Callable[[list[DemoSale], Catalog, Heading], bytes]


def _grouped(amount: Decimal, thousands: str, decimal: str) -> str:
    text = f"{abs(amount):,.2f}".replace(",", "\x00").replace(".", decimal).replace("\x00", thousands)
    return f"-{text}" if amount < 0 else text


def _csv(rows: list[list[str]], delimiter: str) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows(rows)
    return out.getvalue()


def _xlsx(title: str, rows: list[list[object]], widths: tuple[int, ...]) -> bytes:
    from openpyxl import Workbook  # heavy; only needed for the spreadsheets

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = title
    for row in rows:
        sheet.append(row)
    for column, width in zip("ABCDEFGHIJ", widths, strict=False):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _customer(catalog: Catalog, sale: DemoSale) -> AccountNames:
    return catalog.accounts.get(sale.account_id or 0, NO_ACCOUNT)


# -- erp: semicolons, Latin-1, German headers, 1.234,56, day-first dates ---------------------


def _erp_spec(heading: Heading) -> dict[str, Any]:
    return {
        "delimiter": ";",
        "encoding": "latin-1",
        "columns": {
            "document_number": "Beleg",
            "date": "Datum",
            "rep": "Verkäufer",
            "product_line": "Sparte",
            "product": "Artikel",
            "customer": "Kunde",
            "quantity": "Menge",
            "sales_amount": "Umsatz",
            "currency": "Währung",
            "sign": "Belegart",
        },
        "key_columns": ["Beleg", "Pos"],
        "number": {"decimal": ",", "thousands": "."},
        "date_formats": ["%d.%m.%Y"],
        "value_maps": {"sign": {"Rechnung": "1", "Gutschrift": "-1"}},
    }


def _erp_render(sales: list[DemoSale], catalog: Catalog, heading: Heading) -> bytes:
    rows = [
        [
            "Beleg",
            "Pos",
            "Datum",
            "Verkäufer",
            "Sparte",
            "Artikel",
            "Kunde",
            "Menge",
            "Umsatz",
            "Währung",
            "Belegart",
        ]
    ]
    for sale in sales:
        rows.append(
            [
                f"{'GS' if sale.credit else 'RE'}-{sale.document}",
                str(sale.line),
                f"{sale.day:%d.%m.%Y}",
                catalog.reps[sale.rep_id].erp_code,
                catalog.lines[sale.product_line_id].code.upper(),
                catalog.products[sale.product_id].sku,
                _customer(catalog, sale).name,
                str(abs(sale.quantity)),
                _grouped(abs(sale.amount), ".", ","),
                heading.currency,
                "Gutschrift" if sale.credit else "Rechnung",
            ]
        )
    return _csv(rows, ";").encode("latin-1")


# -- crm: commas, UTF-8 with BOM, $1,234.56, month-first dates -------------------------------


def _symbol(heading: Heading) -> str:
    return CURRENCY_SYMBOLS.get(heading.currency, heading.currency)


def _crm_spec(heading: Heading) -> dict[str, Any]:
    return {
        "columns": {
            "document_number": "Order ID",
            "date": "Closed On",
            "rep": "Owner Email",
            "product": "Product",
            "customer": "Account",
            "account_external_id": "Account ID",
            "quantity": "Qty",
            "sales_amount": "Amount",
            "sign": "Type",
        },
        "key_columns": ["Order ID", "Line"],
        "number": {"decimal": ".", "thousands": ",", "symbols": [_symbol(heading)]},
        "date_formats": ["%m/%d/%Y"],
        "value_maps": {"sign": {"Sale": "1", "Refund": "-1"}},
    }


def _crm_render(sales: list[DemoSale], catalog: Catalog, heading: Heading) -> bytes:
    rows = [
        [
            "Order ID",
            "Line",
            "Closed On",
            "Owner Email",
            "Product",
            "Account",
            "Account ID",
            "Qty",
            "Amount",
            "Type",
        ]
    ]
    for sale in sales:
        customer, account_id = _customer(catalog, sale)
        rows.append(
            [
                f"{'RF' if sale.credit else 'SO'}-{sale.document}",
                str(sale.line),
                f"{sale.day.month}/{sale.day.day}/{sale.day.year}",
                catalog.reps[sale.rep_id].email,
                catalog.products[sale.product_id].name,
                customer,
                account_id,
                str(abs(sale.quantity)),
                f"{_symbol(heading)}{_grouped(abs(sale.amount), ',', '.')}",
                "Refund" if sale.credit else "Sale",
            ]
        )
    return ("\ufeff" + _csv(rows, ",")).encode("utf-8")


# -- billing: spreadsheet, Excel serial dates, credits negative -----------------------------


def _billing_spec(heading: Heading) -> dict[str, Any]:
    return {
        "format": "xlsx",
        "sheet": "Invoices",
        "columns": {
            "dedupe_key": "Document",
            "document_number": "Document",
            "date": "Invoice Date",
            "rep": "Sales Rep",
            "product_line": "Product Line",
            "customer": "Customer",
            "quantity": "Qty",
            "sales_amount": "Net Amount",
        },
        "excel_serial_dates": True,
    }


def _billing_render(sales: list[DemoSale], catalog: Catalog, heading: Heading) -> bytes:
    rows: list[list[object]] = [
        ["Document", "Invoice Date", "Sales Rep", "Product Line", "Customer", "Qty", "Net Amount"]
    ]
    for sale in sales:
        rows.append(
            [
                f"{'CN' if sale.credit else 'INV'}-{sale.document}/{sale.line}",
                (sale.day - EXCEL_EPOCH).days,
                catalog.reps[sale.rep_id].full_name,
                catalog.lines[sale.product_line_id].name,
                _customer(catalog, sale).name,
                int(sale.quantity),
                float(sale.amount),
            ]
        )
    return _xlsx("Invoices", rows, (16, 13, 26, 24, 36, 6, 14))


# -- channel: a title block above the header, text dates, a commissionable amount -----------

CHANNEL_HEADER_ROW = 5


def _channel_spec(heading: Heading) -> dict[str, Any]:
    return {
        "format": "xlsx",
        "sheet": "Report",
        "header_row": CHANNEL_HEADER_ROW,
        "columns": {
            "document_number": "Ref",
            "date": "Date",
            "rep": "Rep",
            "product": "SKU",
            "customer": "Customer",
            "quantity": "Units",
            "sales_amount": "Revenue",
            "commission_base": "Commissionable",
            "sign": "Kind",
        },
        "key_columns": ["Ref", "Line"],
        "date_formats": ["%d-%b-%Y"],
        "value_maps": {"sign": {"Order": "1", "Return": "-1"}},
    }


def _channel_render(sales: list[DemoSale], catalog: Catalog, heading: Heading) -> bytes:
    rows: list[list[object]] = [
        [f"{heading.organization} — regional sales report"],
        [f"Generated {heading.today:%d %B %Y}"],
        [f"Amounts in {heading.currency}; commissionable = revenue less the partner margin"],
        [],
        ["Ref", "Line", "Date", "Rep", "SKU", "Customer", "Units", "Revenue", "Commissionable", "Kind"],
    ]
    for sale in sales:
        rows.append(
            [
                f"{'CR' if sale.credit else 'CH'}-{sale.document}",
                sale.line,
                f"{sale.day:%d}-{sale.day:%b}-{sale.day:%Y}",
                catalog.reps[sale.rep_id].last_first,
                catalog.products[sale.product_id].sku,
                _customer(catalog, sale).name,
                int(abs(sale.quantity)),
                float(abs(sale.amount)),
                float(abs(sale.commission_base)),
                "Return" if sale.credit else "Order",
            ]
        )
    return _xlsx("Report", rows, (12, 6, 13, 26, 14, 36, 7, 14, 16, 8))


# -- services: no dates (period at upload), services by name, reps by customer ZIP ----------


def _services_spec(heading: Heading) -> dict[str, Any]:
    return {
        "format": "xlsx",
        "header_row": 2,
        "columns": {
            "dedupe_key": "Invoice",
            "document_number": "Invoice",
            "territory": "Customer ZIP",
            "service": "Service",
            "quantity": "Qty",
            "sales_amount": "Net",
        },
        "period_at_upload": True,
    }


def _services_render(sales: list[DemoSale], catalog: Catalog, heading: Heading) -> bytes:
    rows: list[list[object]] = [
        ["Services billed — accounting export"],
        ["Invoice", "Customer ZIP", "Service", "Qty", "Net"],
    ]
    for sale in sales:
        # ZIP codes are text: a leading zero is part of the code.
        rows.append([sale.document, sale.zip_code, sale.service, int(sale.quantity), float(sale.amount)])
    return _xlsx("Services", rows, (16, 14, 34, 6, 12))


# -- reseller: a PDF report, its table's header repeated on each page -----------------------


def _reseller_spec(heading: Heading) -> dict[str, Any]:
    return {
        "format": "pdf",
        "columns": {
            "dedupe_key": "Ref",
            "document_number": "Ref",
            "date": "Date",
            "rep": "Sales rep",
            "product_line": "Product line",
            "customer": "Customer",
            "sales_amount": "Amount",
        },
        "number": {"decimal": ".", "thousands": " "},
    }


def _reseller_render(sales: list[DemoSale], catalog: Catalog, heading: Heading) -> bytes:
    # reportlab is heavy; only needed for this one file.
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    rows = [["Ref", "Date", "Sales rep", "Product line", "Customer", "Amount"]]
    for sale in sales:
        rows.append(
            [
                f"{'RC' if sale.credit else 'RS'}-{sale.document}/{sale.line}",
                sale.day.isoformat(),
                catalog.reps[sale.rep_id].full_name,
                catalog.lines[sale.product_line_id].name,
                _customer(catalog, sale).name,
                _grouped(sale.amount, " ", "."),
            ]
        )
    out = io.BytesIO()
    # invariant: no creation time or random id in the file, so the same rows give the same bytes
    document = SimpleDocTemplate(
        out, pagesize=landscape(A4), invariant=1, title="Reseller statement", author=heading.organization
    )
    table = Table(rows, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                ("ALIGN", (-1, 1), (-1, -1), "RIGHT"),
            ]
        )
    )
    styles = getSampleStyleSheet()
    title = Paragraph(
        f"{heading.organization} — reseller statement, {heading.today:%d %B %Y}", styles["Title"]
    )
    document.build([title, table])
    return out.getvalue()


SOURCES: tuple[Source, ...] = (
    Source("erp", "ERP export (semicolons, Latin-1)", "erp-export.csv", _erp_spec, _erp_render),
    Source("crm", "CRM orders", "crm-orders.csv", _crm_spec, _crm_render),
    Source("billing", "Billing invoices", "billing-invoices.xlsx", _billing_spec, _billing_render),
    Source("channel", "Regional sales report", "regional-sales-report.xlsx", _channel_spec, _channel_render),
    Source(
        "services",
        "Accounting services (period at upload)",
        "services-{month}.xlsx",
        _services_spec,
        _services_render,
    ),
    Source(
        "reseller", "Reseller statement (PDF)", "reseller-statement.pdf", _reseller_spec, _reseller_render
    ),
)
