"""Pivot of sales and commission (pandas): rows × columns of a chosen measure.

Takes the selector's records (one per rep × product line × month, with their labels and
figures) and returns the table as a DataFrame; no ORM here. Dimensions: rep, product line,
month, team (the rep's team, the organization's sales territory). Measures: sales, commission
base, transactions (from the harmonised sales), commission (approved, from the commission
ledger: what the entries net to).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pandas as pd

DIMENSIONS = {"rep": "Rep", "product_line": "Product line", "month": "Month", "team": "Team"}
MEASURES = {
    "sales": "Sales",
    "commission_base": "Commission base",
    "transactions": "Transactions",
    "commission": "Commission (approved)",
}
TOTAL = "Total"


def pivot(records: Sequence[dict[str, Any]], *, rows: str, columns: str | None, measure: str) -> pd.DataFrame:
    """The measure summed by `rows` (index) and `columns` (or one Total column), with totals.

    Money stays Decimal (summed exactly); missing cells are zero.
    """
    if (
        rows not in DIMENSIONS
        or (columns is not None and columns not in DIMENSIONS)
        or measure not in MEASURES
    ):
        raise ValueError("unknown dimension or measure")
    zero: Any = 0 if measure == "transactions" else Decimal("0.00")
    frame = pd.DataFrame.from_records(list(records), columns=[*DIMENSIONS, *MEASURES])
    if frame.empty:
        return pd.DataFrame()
    keys = [rows] if columns is None or columns == rows else [rows, columns]
    sums = frame.groupby(keys, sort=True)[measure].agg(lambda values: sum(values, zero))
    table = sums.to_frame(TOTAL) if len(keys) == 1 else sums.unstack(columns)
    table = table.apply(lambda col: col.map(lambda v: zero if pd.isna(v) else v))
    if len(keys) == 2:
        table[TOTAL] = [sum(row, zero) for row in table.itertuples(index=False)]
    table.loc[TOTAL] = [sum(table[c], zero) for c in table.columns]
    return table
