"""Write an organization's backup: a formatted workbook, or a zip of one CSV per table.

The rows are streamed (iterator queries, openpyxl's write-only mode, CSV straight into the
zip), so memory stays bounded whatever the organization's size. Everything is read in one
transaction (REPEATABLE READ on PostgreSQL), so the counts, totals and chain heads on the
README sheet describe exactly the rows of the file.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any, cast

from django.contrib.auth import get_user_model
from django.db import connection, models, transaction
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from revops.backup.codec import column_encoder, datetime_text, encode, encode_text
from revops.backup.registry import BackupTable, Column, backup_tables
from revops.exports import DATE_FORMAT, HEADER_FILL, MONEY_FORMAT
from revops.ledger.chain import GENESIS_HASH
from revops.models import Organization

FORMAT = "revops-backup 1"
README = "README"
USERS = "users"
# Excel's 1,048,576 rows, less the header row of each sheet.
EXCEL_MAX_ROWS = 1_048_575
CHUNK = 2000
USER_COLUMNS = ("id", "email", "first_name", "last_name", "is_active")
TEXT_NOTE = (
    "Text is stored in text cells, never formulas. A text starting with = + - @, tab, CR or a "
    "single quote carries one extra leading single quote, which the restore removes."
)
TIME_NOTE = "Date-times are UTC text (YYYY-MM-DDTHH:MM:SS.ffffff+00:00); dates are date cells."
REF_NOTE = (
    "Columns ending in _id hold the source's ids (rows restore under new ids, references "
    "remapped); columns ending in _email name users."
)

Progress = Callable[[int, int], None]  # (rows written, rows in all)


@dataclass
class TableSummary:
    """What the README says of one table: its sheets, rows and money totals."""

    label: str
    sheets: list[str] = field(default_factory=list)
    rows: int = 0
    totals: dict[str, Decimal] = field(default_factory=dict)


@dataclass
class LedgerHeadSummary:
    ledger: str
    sheet: str
    last_sequence: int = 0
    last_hash: str = GENESIS_HASH
    entries: int = 0
    total: Decimal = Decimal("0.00")


@dataclass
class BackupSummary:
    organization: str
    tables: list[TableSummary]
    ledgers: list[LedgerHeadSummary]
    users: int

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)


def table_queryset(table: BackupTable, organization_id: int):
    return table.model._base_manager.filter(**{table.org_path: organization_id}).order_by("pk")


def _select(table: BackupTable) -> list[str]:
    return [c.field.attname for c in table.columns]


class _Emails:
    """User id → e-mail, looked up once per user; remembers every user named."""

    def __init__(self) -> None:
        self.known: dict[int, str] = {}

    def __call__(self, user_id: int | None) -> str | None:
        if user_id is None:
            return None
        email = self.known.get(user_id)
        if email is None:
            email = get_user_model()._base_manager.filter(pk=user_id).values_list("email", flat=True).get()
            self.known[user_id] = email
        return email


def _rows(table: BackupTable, organization_id: int) -> Iterator[tuple[Any, ...]]:
    """Attribute values in column order, by id."""
    qs = table_queryset(table, organization_id).values_list(*_select(table))
    yield from qs.iterator(chunk_size=CHUNK)


def _width(column: Column) -> int:
    f = column.field
    if column.kind == "user":
        return 28
    if column.kind in ("ref", "ledger_ref") or f.primary_key:
        return 10
    internal = f.get_internal_type()
    if internal in ("DateTimeField",):
        return 32
    if internal in ("DateField",):
        return 12
    if internal in ("DecimalField", "FloatField"):
        return 16
    if internal in ("JSONField", "TextField"):
        return 50
    return max(10, min(40, (getattr(f, "max_length", None) or 12) + 2, len(column.name) + 4))


class _XlsxOut:
    """The workbook: README and users sheets first (filled last), one or more sheets per table."""

    def __init__(self, target: IO[bytes], max_rows: int):
        self.target = target
        self.max_rows = max_rows
        self.book = Workbook(write_only=True)
        self.readme = self.book.create_sheet(README)
        self.readme.column_dimensions["A"].width = 28
        for letter, width in zip("BCDEF", (36, 60, 14, 70, 16), strict=True):
            self.readme.column_dimensions[letter].width = width
        self.users = self._sheet(USERS, [(name, 30 if name == "email" else 16) for name in USER_COLUMNS])

    def _sheet(self, title: str, headers: list[tuple[str, int]]):
        sheet = self.book.create_sheet(title)
        sheet.freeze_panes = "A2"
        for index, (_name, width) in enumerate(headers, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        cells = []
        for name, _width in headers:
            cell = WriteOnlyCell(sheet, value=name)
            cell.font = Font(bold=True)
            cell.fill = HEADER_FILL
            cell.alignment = Alignment(vertical="center")
            cells.append(cell)
        sheet.append(cells)
        return sheet

    def _cell(self, sheet, value: Any):
        """A cell: plain values as they are (openpyxl's text cells), formats only where needed."""
        if isinstance(value, Decimal):
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = MONEY_FORMAT
            return cell
        if isinstance(value, str) and value.startswith("="):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"  # text, never a formula (encode_text never lets one through)
            return cell
        if hasattr(value, "isoformat"):
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = DATE_FORMAT
            return cell
        return value

    def _formatted(self, sheet, cells: dict[int, WriteOnlyCell], index: int, value: Any):
        """`_cell`, reusing one formatted cell per column: the sheet writes each row as it is
        appended, so the column's cell is free again for the next row (no style set per cell)."""
        if isinstance(value, Decimal) or (hasattr(value, "isoformat") and not isinstance(value, str)):
            cell = cells.get(index)
            if cell is None:
                cell = cells[index] = WriteOnlyCell(sheet, value=value)
                cell.number_format = MONEY_FORMAT if isinstance(value, Decimal) else DATE_FORMAT
            elif isinstance(value, Decimal) != (cell.number_format == MONEY_FORMAT):
                return self._cell(sheet, value)
            cell.value = value
            return cell
        return self._cell(sheet, value)

    def table(self, table: BackupTable, rows: Iterator[list[Any]], summary: TableSummary, on_row) -> None:
        headers = [(c.name, _width(c)) for c in table.columns]
        sheet, in_sheet, part = None, 0, 1
        cells: dict[int, WriteOnlyCell] = {}
        for row in rows:
            if sheet is None or in_sheet >= self.max_rows:
                part += sheet is not None
                title = table.sheet if sheet is None else f"{table.sheet} ({part})"
                sheet, in_sheet, cells = self._sheet(title, headers), 0, {}
                summary.sheets.append(title)
            sheet.append([self._formatted(sheet, cells, i, v) for i, v in enumerate(row)])
            in_sheet += 1
            on_row()
        if sheet is None:
            self._sheet(table.sheet, headers)
            summary.sheets.append(table.sheet)

    def user_rows(self, rows: list[list[Any]]) -> None:
        for row in rows:
            self.users.append([self._cell(self.users, v) for v in row])

    def finish(self, readme: list[list[Any]]) -> None:
        for row in readme:
            if row and row[0] in SECTION_TITLES:
                title = WriteOnlyCell(self.readme, value=row[0])
                title.font = Font(bold=True, size=12)
                self.readme.append([title])
            else:
                self.readme.append([self._cell(self.readme, v) for v in row])
        self.book.save(self.target)


class _ZipOut:
    """A zip of CSV files: README.csv, users.csv, one <sheet>.csv per table (never split)."""

    def __init__(self, target: IO[bytes]):
        self.zip = zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True)

    def _csv(self, name: str, header: list[str], rows) -> None:
        with self.zip.open(f"{name}.csv", "w", force_zip64=True) as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
            writer = csv.writer(text)
            writer.writerow(header)
            for row in rows:
                writer.writerow(["" if v is None else v for v in row])
            text.flush()
            text.detach()

    def table(self, table: BackupTable, rows, summary: TableSummary, on_row) -> None:
        def counted():
            for row in rows:
                yield row
                on_row()

        self._csv(table.sheet, [c.name for c in table.columns], counted())
        summary.sheets.append(table.sheet)

    def user_rows(self, rows: list[list[Any]]) -> None:
        self._csv(USERS, list(USER_COLUMNS), rows)

    def finish(self, readme: list[list[Any]]) -> None:
        self._csv(README, ["revops organization backup"], readme)
        self.zip.close()


SECTION_TABLES = "Tables"
SECTION_TOTALS = "Money totals"
SECTION_LEDGERS = "Ledger chain heads"
SECTION_TITLES = (SECTION_TABLES, SECTION_TOTALS, SECTION_LEDGERS, "revops organization backup")


def _readme(
    organization: Organization, tables: list[TableSummary], ledgers: list[LedgerHeadSummary], users: int
) -> list[list[Any]]:
    by_label = {t.label: t for t in backup_tables()}
    rows: list[list[Any]] = [
        ["revops organization backup"],
        ["Format", FORMAT],
        ["Organization", organization.name],
        ["Slug", organization.slug],
        ["Currency", organization.currency],
        ["Time zone", organization.time_zone],
        ["Fiscal year start month", organization.fiscal_year_start_month],
        ["Source organization id", organization.pk],
        ["Written at", datetime_text(timezone.now())],
        ["Users", users],
        ["Text cells", TEXT_NOTE],
        ["Times", TIME_NOTE],
        ["References", REF_NOTE],
        [],
        [SECTION_TABLES],
        ["Sheet", "Model", "What it is", "Rows", "Sheets"],
    ]
    for t in tables:
        rows.append([t.sheets[0], t.label, by_label[t.label].description, t.rows, ", ".join(t.sheets)])
    rows += [[], [SECTION_TOTALS], ["Sheet", "Column", "Total"]]
    for t in tables:
        for column, total in t.totals.items():
            rows.append([t.sheets[0], column, str(total)])
    rows += [[], [SECTION_LEDGERS], ["Ledger", "Sheet", "Last sequence", "Last hash", "Entries", "Total"]]
    for head in ledgers:
        rows.append(
            [head.ledger, head.sheet, head.last_sequence, head.last_hash, head.entries, str(head.total)]
        )
    return rows


def _user_rows(ids: set[int]) -> list[list[Any]]:
    user_model = get_user_model()
    rows = []
    for values in user_model._base_manager.filter(pk__in=ids).order_by("pk").values_list(*USER_COLUMNS):
        fields = [cast(models.Field, user_model._meta.get_field(name)) for name in USER_COLUMNS]
        rows.append([encode(v, f, spreadsheet=True) for f, v in zip(fields, values, strict=True)])
    return rows


def backup_write(
    *,
    organization: Organization,
    target: IO[bytes],
    fmt: str = "xlsx",
    progress: Progress | None = None,
    max_rows: int = EXCEL_MAX_ROWS,
) -> BackupSummary:
    """Write `organization`'s backup to `target` ("xlsx" workbook or "zip" of CSVs)."""
    if fmt not in ("xlsx", "zip"):
        raise ValueError(f"Unknown backup format {fmt!r} (use xlsx or zip).")
    snapshot = connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic():
        if snapshot:
            # Every count, total and row from one snapshot, whatever is written meanwhile.
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        return _write(organization, target, fmt, progress, max_rows)


def _cells(
    table: BackupTable,
    organization_id: int,
    summary: TableSummary,
    head: LedgerHeadSummary | None,
    emails: _Emails,
    spreadsheet: bool,
) -> Iterator[list[Any]]:
    """The table's rows as cells, adding each to the summary (rows, money totals, chain head)."""
    names = [c.name for c in table.columns]
    money = [(names.index(c.name), c.name) for c in table.money_columns]
    summary.totals = {name: Decimal("0.00") for _i, name in money}
    sums = summary.totals
    seq_at, hash_at, amount_at = (
        (names.index("sequence"), names.index("hash"), names.index("amount")) if head else (0, 0, 0)
    )
    user_columns = {i for i, c in enumerate(table.columns) if c.kind == "user"}

    def user_cell(user_id: int | None) -> str | None:
        return encode_text(emails(user_id) or "") or None

    encoders = [
        user_cell if i in user_columns else column_encoder(c.field, spreadsheet=spreadsheet)
        for i, c in enumerate(table.columns)
    ]
    for row in _rows(table, organization_id):
        summary.rows += 1
        for i, name in money:
            if row[i] is not None:
                sums[name] += row[i]
        if head is not None:
            head.last_sequence, head.last_hash = row[seq_at], row[hash_at]
            head.entries += 1
            head.total += row[amount_at]
        yield [encode_cell(v) for encode_cell, v in zip(encoders, row, strict=True)]


def _write(organization, target, fmt, progress, max_rows) -> BackupSummary:
    spreadsheet = fmt == "xlsx"
    out: _XlsxOut | _ZipOut = _XlsxOut(target, max_rows) if spreadsheet else _ZipOut(target)
    tables = backup_tables()
    counts = {t.label: table_queryset(t, organization.pk).count() for t in tables}
    everything = sum(counts.values())
    written = 0
    emails = _Emails()
    summaries: list[TableSummary] = []
    heads: list[LedgerHeadSummary] = []

    def on_row() -> None:
        nonlocal written
        written += 1
        if progress is not None and written % 1000 == 0:
            progress(written, everything)

    for table in tables:
        summary = TableSummary(label=table.label)
        head = LedgerHeadSummary(ledger=table.ledger, sheet=table.sheet) if table.ledger else None
        rows = _cells(table, organization.pk, summary, head, emails, spreadsheet)
        out.table(table, rows, summary, on_row)
        summaries.append(summary)
        if head is not None:
            heads.append(head)
    user_rows = _user_rows(set(emails.known))
    out.user_rows(user_rows)
    out.finish(_readme(organization, summaries, heads, len(user_rows)))
    if progress is not None:
        progress(everything, everything)
    return BackupSummary(
        organization=organization.slug, tables=summaries, ledgers=heads, users=len(user_rows)
    )
