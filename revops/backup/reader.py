"""Read a backup back: the README's description, and each table's rows with their place.

Both shapes the writer makes are read the same way: a workbook (sheets `name`, `name (2)`…)
or a zip of CSV files (`name.csv`). Every problem is a `BackupFileError` naming the sheet,
the row and the column.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from openpyxl import load_workbook

from revops.backup.writer import (
    FORMAT,
    README,
    SECTION_LEDGERS,
    SECTION_TABLES,
    SECTION_TOTALS,
    USERS,
)
from revops.exceptions import ApplicationError

NOT_A_BACKUP = "This file is not a revops backup (an .xlsx workbook or a .zip of CSV files with a README)."
WRONG_FORMAT = "README: this backup's format is {found!r}; this version reads {expected!r}."
MISSING_SHEET = "Sheet {sheet!r} is missing (the README lists it for {label})."
BAD_HEADER = "Sheet {sheet!r}, row 1: the columns are {found}; expected {expected}."


class BackupFileError(ApplicationError):
    """A backup file that cannot be restored, with where: sheet, row and column."""

    def __init__(self, message: str, *, sheet: str = "", row: int | None = None, column: str = ""):
        where = ", ".join(
            part
            for part in (
                f"sheet {sheet!r}" if sheet else "",
                f"row {row}" if row is not None else "",
                f"column {column!r}" if column else "",
            )
            if part
        )
        super().__init__(f"{where}: {message}" if where else message)
        self.sheet, self.row, self.column = sheet, row, column


@dataclass(frozen=True)
class TableListing:
    sheet: str
    label: str
    rows: int
    sheets: tuple[str, ...]


@dataclass(frozen=True)
class LedgerListing:
    ledger: str
    sheet: str
    last_sequence: int
    last_hash: str
    entries: int
    total: Decimal


@dataclass
class Readme:
    """The README sheet, parsed."""

    meta: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, TableListing] = field(default_factory=dict)  # by model label
    totals: dict[tuple[str, str], Decimal] = field(default_factory=dict)  # (sheet, column)
    ledgers: dict[str, LedgerListing] = field(default_factory=dict)


def _decimal(text: Any, row: int, column: str) -> Decimal:
    try:
        return Decimal(str(text))
    except InvalidOperation:
        raise BackupFileError(f"not a number: {text!r}", sheet=README, row=row, column=column) from None


def _integer(text: Any, row: int, column: str) -> int:
    try:
        return int(str(text).strip())
    except ValueError:
        raise BackupFileError(f"not a whole number: {text!r}", sheet=README, row=row, column=column) from None


def parse_readme(rows: list[tuple[Any, ...]]) -> Readme:
    readme = Readme()
    section = ""
    skip_header = False
    for number, raw in enumerate(rows, start=1):
        row = [("" if v is None else v) for v in raw]
        while row and row[-1] == "":
            row.pop()
        if not row:
            section = "" if section else section
            continue
        if len(row) == 1 and row[0] in (SECTION_TABLES, SECTION_TOTALS, SECTION_LEDGERS):
            section, skip_header = row[0], True
            continue
        if skip_header:
            skip_header = False
            continue
        row += [""] * (6 - len(row))
        if section == SECTION_TABLES:
            listing = TableListing(
                sheet=str(row[0]),
                label=str(row[1]),
                rows=_integer(row[3], number, "Rows"),
                sheets=tuple(s.strip() for s in str(row[4]).split(",") if s.strip()),
            )
            readme.tables[listing.label] = listing
        elif section == SECTION_TOTALS:
            readme.totals[(str(row[0]), str(row[1]))] = _decimal(row[2], number, "Total")
        elif section == SECTION_LEDGERS:
            readme.ledgers[str(row[0])] = LedgerListing(
                ledger=str(row[0]),
                sheet=str(row[1]),
                last_sequence=_integer(row[2], number, "Last sequence"),
                last_hash=str(row[3]),
                entries=_integer(row[4], number, "Entries"),
                total=_decimal(row[5], number, "Total"),
            )
        else:
            readme.meta[str(row[0])] = row[1]
    if readme.meta.get("Format") != FORMAT:
        raise BackupFileError(WRONG_FORMAT.format(found=readme.meta.get("Format"), expected=FORMAT))
    return readme


class BackupSource:
    """An opened backup file (workbook or zip of CSVs)."""

    def __init__(self, file: IO[bytes]):
        # "Sheet.column" of the columns this version no longer has, left out by `rows`.
        self.ignored_columns: list[str] = []
        try:
            archive = zipfile.ZipFile(file)
        except zipfile.BadZipFile:
            raise BackupFileError(NOT_A_BACKUP) from None
        names = set(archive.namelist())
        self.csv = f"{README}.csv" in names
        if self.csv:
            self.archive = archive
            self.names = {name.removesuffix(".csv") for name in names if name.endswith(".csv")}
        elif "[Content_Types].xml" in names:
            archive.close()
            file.seek(0)
            try:
                self.book = load_workbook(file, read_only=True, data_only=True)
            except Exception:
                raise BackupFileError(NOT_A_BACKUP) from None
            self.names = set(self.book.sheetnames)
            if README not in self.names:
                raise BackupFileError(NOT_A_BACKUP)
        else:
            raise BackupFileError(NOT_A_BACKUP)

    def close(self) -> None:
        if self.csv:
            self.archive.close()
        else:
            self.book.close()

    def _raw(self, sheet: str) -> Iterator[tuple[Any, ...]]:
        if self.csv:
            with self.archive.open(f"{sheet}.csv") as raw:
                text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
                try:
                    yield from (tuple(row) for row in csv.reader(text))
                except (UnicodeDecodeError, csv.Error) as exc:
                    raise BackupFileError(f"unreadable CSV ({exc})", sheet=sheet) from None
        else:
            yield from self.book[sheet].iter_rows(values_only=True)

    def readme(self) -> Readme:
        rows = list(self._raw(README))
        if self.csv:
            rows = rows[1:]  # the CSV's own header line
        return parse_readme(rows)

    def has(self, sheet: str) -> bool:
        return sheet in self.names

    def rows(
        self,
        sheets: tuple[str, ...],
        header: list[str],
        label: str,
        optional: frozenset[str] = frozenset(),
    ) -> Iterator[tuple[str, int, tuple]]:
        """(sheet, row number, values) of a table over its sheets, after checking each header.

        A sheet may lack columns named in `optional` (a column this version added that may be
        empty, absent from a file an earlier version wrote): their cells read as empty. Any
        other difference from `header` refuses the sheet."""
        width = len(header)
        for sheet in sheets:
            if not self.has(sheet):
                raise BackupFileError(MISSING_SHEET.format(sheet=sheet, label=label))
            raw = self._raw(sheet)
            first = next(raw, None)
            found = [("" if v is None else str(v)) for v in (first or ())]
            while found and found[-1] == "":
                found.pop()
            placed: list[int | None] | None = None
            if found != header:
                # A file an earlier version wrote: columns since removed are left out (and
                # named in `ignored_columns`), columns since added must be ones that may be
                # empty; the columns both know keep their order.
                known = [name for name in found if name in header]
                older = [name for name in header if name in found or name not in optional]
                if known != older or len(set(found)) != len(found) or "" in found:
                    raise BackupFileError(
                        BAD_HEADER.format(sheet=sheet, found=", ".join(found), expected=", ".join(header))
                    )
                self.ignored_columns += [f"{sheet}.{name}" for name in found if name not in header]
                at = {name: i for i, name in enumerate(found)}
                placed = [at.get(name) for name in header]
            in_file = len(found) if placed is not None else width
            for number, values in enumerate(raw, start=2):
                if len(values) < in_file:
                    values = (*values, *([None] * (in_file - len(values))))
                elif len(values) > in_file:
                    if any(v not in (None, "") for v in values[in_file:]):
                        raise BackupFileError("more cells than columns", sheet=sheet, row=number)
                    values = values[:in_file]
                if placed is not None:
                    values = tuple(None if i is None else values[i] for i in placed)
                if all(v in (None, "") for v in values):
                    continue
                yield sheet, number, values

    def users(self) -> Iterator[tuple[str, int, tuple]]:
        from revops.backup.writer import USER_COLUMNS

        return self.rows((USERS,), list(USER_COLUMNS), "users")
