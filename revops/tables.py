"""Table columns for the `{% table %}` component: labels, alignment and sorting by query parameter.

A page declares its columns once, in Python (`Column("Amount", sort="amount", num=True)`) or,
for a table that sorts nothing, in the template as a spec string ("Account|Won deals:num").
`header_cells(columns, sort)` says for each header what a click asks for: the column's key
ascending, or descending when it is already sorted ascending. Sort keys are whitelisted by the
selector that orders the rows (e.g. revops.selectors.opportunities.clean_sort).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    label: str
    sort: str = ""  # the `sort` query value ordering by this column; "" when it does not sort
    num: bool = False  # figures: right-aligned, tabular digits


@dataclass(frozen=True)
class HeaderCell:
    label: str
    key: str  # the column's sort key, "" when it does not sort
    num: bool
    next_sort: str  # the sort a click on the header asks for ("" when it does not sort)
    direction: str  # "asc", "desc" or "" when the rows are not sorted by this column

    @property
    def aria_sort(self) -> str:
        return {"asc": "ascending", "desc": "descending"}.get(self.direction, "")


def columns_from_spec(spec: str) -> list[Column]:
    """ "#|Account|Won deals:num" → three columns; ":num" right-aligns a column of figures."""
    columns = []
    for part in spec.split("|"):
        label, _, kind = part.strip().partition(":")
        columns.append(Column(label.strip(), num=kind.strip() == "num"))
    return columns


def header_cells(columns: Iterable[Column | HeaderCell], sort: str | None = None) -> list[HeaderCell]:
    """The headers of `columns` with the rows sorted by `sort` ("amount", "-amount" or None)."""
    cells = []
    for column in columns:
        if isinstance(column, HeaderCell):
            cells.append(column)
        elif not column.sort:
            cells.append(HeaderCell(column.label, "", column.num, "", ""))
        elif sort == column.sort:
            cells.append(HeaderCell(column.label, column.sort, column.num, f"-{column.sort}", "asc"))
        elif sort == f"-{column.sort}":
            cells.append(HeaderCell(column.label, column.sort, column.num, column.sort, "desc"))
        else:
            cells.append(HeaderCell(column.label, column.sort, column.num, column.sort, ""))
    return cells


def as_columns(columns: str | Sequence[Column | HeaderCell]) -> Sequence[Column | HeaderCell]:
    return columns_from_spec(columns) if isinstance(columns, str) else columns
