"""What a report is made of, and the registry apps add their reports to.

A report builder takes the member it is built for (their scope, always) and the parameters
chosen on the reports page (period, account), reads the app's selectors and returns a `Report`:
plain values, no ORM rows, so the PDF and Excel renderers share one document.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

ZERO = Decimal("0.00")


class Fmt(StrEnum):
    """How a table column's values are shown (number formats in Excel, alignment in PDF)."""

    TEXT = "text"
    MONEY = "money"
    COUNT = "count"
    PERCENT = "percent"
    DATE = "date"
    DATETIME = "datetime"


@dataclass(frozen=True)
class Kpi:
    """One KPI tile: a figure, its format and its change against the previous period."""

    label: str
    value: Decimal | int
    fmt: Fmt = Fmt.MONEY
    change_pct: Decimal | None = None  # None: nothing to compare with
    note: str = ""


@dataclass(frozen=True)
class Chart:
    """A chart drawn as a PNG: bars (vertical or horizontal) or a line, one or more series."""

    title: str
    kind: str  # "bar", "barh" or "line"
    labels: Sequence[str]
    series: Sequence[tuple[str, Sequence[Decimal | int]]]
    money: bool = True


@dataclass
class Table:
    """A table: a sheet in Excel, a section in the PDF.

    `totals` is the totals row (label first), computed by the builder from the selectors it
    read, so the file's totals are the selectors' figures, not a re-addition of printed cells.
    A `long` table (ledger lines) is streamed: the PDF lays it out in page-sized blocks after
    the templated pages, and `rows` may be a one-pass iterator of `count` rows. A `pdf_limit`
    caps the rows the PDF lists (the first ones; the PDF says how many of how many, and where
    every row is): Excel always holds every row.
    """

    title: str
    headers: Sequence[str]
    formats: Sequence[Fmt]
    rows: Iterable[Sequence[Any]]
    totals: Sequence[Any] | None = None
    count: int | None = None
    long: bool = False
    note: str = ""
    pdf_limit: int | None = None

    @property
    def pdf_rows(self) -> int | None:
        """How many rows the PDF lists: every one, or `pdf_limit` of a longer table."""
        if self.pdf_limit is None or self.count is None:
            return self.count
        return min(self.count, self.pdf_limit)

    def __post_init__(self) -> None:
        if len(self.formats) != len(self.headers):
            raise ValueError(
                f"table {self.title!r}: {len(self.headers)} headers but {len(self.formats)} formats"
            )
        if self.count is None and isinstance(self.rows, list):
            self.count = len(self.rows)


class Rows:
    """Rows read afresh on each pass (a query's iterator), so one report renders to PDF and Excel."""

    def __init__(self, make: Callable[[], Iterable[Sequence[Any]]]):
        self.make = make

    def __iter__(self):
        return iter(self.make())


@dataclass
class Report:
    """A whole report, as both renderers read it."""

    key: str
    title: str
    subtitle: str  # the period or the record, in words
    organization_name: str
    currency: str
    prepared_for: str  # the member and their scope, in words (printed on the cover)
    generated_at: dt.datetime
    filename: str  # without extension
    summary: list[str] = field(default_factory=list)  # paragraphs written from the figures
    kpis: list[Kpi] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)  # label → value lines (chain head...)

    @property
    def row_count(self) -> int:
        return sum(t.count or 0 for t in self.tables)


@dataclass(frozen=True)
class ReportParams:
    """What the reports page (or a schedule) chose."""

    period: str
    account_id: int | None = None


Builder = Callable[..., Report]  # build(membership=..., params=ReportParams, today=date) -> Report


@dataclass(frozen=True)
class ReportSpec:
    key: str
    label: str
    description: str
    caps: tuple[str, ...]  # every one needed (besides Cap.EXPORT)
    build: Builder
    needs_account: bool = False  # the account drilldown asks for one account


_REPORTS: dict[str, ReportSpec] = {}


def report_register(spec: ReportSpec) -> None:
    """Add an app's report (from its AppConfig.ready); registering it again replaces it."""
    _REPORTS[spec.key] = spec


def report_spec(key: str) -> ReportSpec:
    return _REPORTS[key]


def report_specs() -> list[ReportSpec]:
    return list(_REPORTS.values())


def change_pct(current: Decimal, previous: Decimal) -> Decimal | None:
    """Percent change from `previous` to `current`, one decimal; None when previous is zero."""
    if not previous:
        return None
    return ((current - previous) * 100 / abs(previous)).quantize(Decimal("0.1"))


def column_total(rows: Sequence[Sequence[Any]], index: int) -> Decimal | int:
    """The sum of one column of `rows` (Decimal when the values are, int otherwise)."""
    values = [row[index] for row in rows if row[index] is not None]
    if any(isinstance(v, Decimal) for v in values):
        return sum((Decimal(v) for v in values), ZERO)
    return sum(values)
