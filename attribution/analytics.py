"""Period analytics with pandas: attributed revenue by partner and role, and period movement.

Functions take selector rows (`period_partner_role_totals`) and return DataFrames. Amounts are
carried as integer cents so sums stay exact, and turned back into Decimal at the end.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import pandas as pd

from attribution.models import PartnerRole

ROLE_LABELS = dict(PartnerRole.choices)
CENTS = Decimal("0.01")


class Movement:
    NEW = "new"
    INCREASED = "increased"
    DECREASED = "decreased"
    LOST = "lost"
    UNCHANGED = "unchanged"


def _frame(rows: Sequence[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(list(rows), columns=["period_id", "partner_id", "partner__name", "role", "amount"])
    frame["cents"] = [int(Decimal(a) / CENTS) for a in frame["amount"]]
    return frame


def _money(cents: int) -> Decimal:
    return Decimal(int(cents)) * CENTS


def partner_role_breakdown(rows: Sequence[dict], period_id: int) -> pd.DataFrame:
    """One row per partner: a column per role present, and the partner's total (largest first)."""
    frame = _frame(rows)
    frame = frame[frame["period_id"] == period_id]
    roles = [r for r in PartnerRole.values if r in set(frame["role"])]
    if frame.empty:
        return pd.DataFrame(columns=["partner_id", "partner", *[ROLE_LABELS[r] for r in roles], "total"])
    pivot = frame.pivot_table(
        index=["partner_id", "partner__name"], columns="role", values="cents", aggfunc="sum", fill_value=0
    )
    pivot = pivot.reindex(columns=roles, fill_value=0)
    pivot["total"] = pivot.sum(axis=1)
    pivot = pivot.reset_index().sort_values(["total", "partner__name"], ascending=[False, True])
    out = pd.DataFrame({"partner_id": pivot["partner_id"], "partner": pivot["partner__name"]})
    for role in roles:
        out[ROLE_LABELS[role]] = [_money(c) for c in pivot[role]]
    out["total"] = [_money(c) for c in pivot["total"]]
    return out.reset_index(drop=True)


def _status(previous: int, current: int) -> str:
    if previous == 0 and current != 0:
        return Movement.NEW
    if current == 0 and previous != 0:
        return Movement.LOST
    if current > previous:
        return Movement.INCREASED
    if current < previous:
        return Movement.DECREASED
    return Movement.UNCHANGED


def period_movement(rows: Sequence[dict], current_id: int, previous_id: int | None) -> pd.DataFrame:
    """Per partner: previous and current period totals, the change, and new/increased/decreased/lost."""
    frame = _frame(rows)
    columns = ["partner_id", "partner", "previous", "current", "change", "status"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    totals = frame.groupby(["partner_id", "partner__name", "period_id"])["cents"].sum().unstack(fill_value=0)
    current = totals[current_id] if current_id in totals.columns else 0
    previous = totals[previous_id] if previous_id is not None and previous_id in totals.columns else 0
    table = pd.DataFrame({"current": current, "previous": previous}).fillna(0).astype(int).reset_index()
    table = table[(table["current"] != 0) | (table["previous"] != 0)]
    table["change"] = table["current"] - table["previous"]
    table = table.sort_values(["change", "partner__name"], ascending=[False, True])
    return pd.DataFrame(
        {
            "partner_id": table["partner_id"],
            "partner": table["partner__name"],
            "previous": [_money(c) for c in table["previous"]],
            "current": [_money(c) for c in table["current"]],
            "change": [_money(c) for c in table["change"]],
            "status": [_status(p, c) for p, c in zip(table["previous"], table["current"], strict=True)],
        },
        columns=columns,
    ).reset_index(drop=True)


def movement_counts(movement: pd.DataFrame) -> dict[str, int]:
    """How many partners are new, increased, decreased, lost (and unchanged)."""
    counts = movement["status"].value_counts().to_dict() if not movement.empty else {}
    return {
        status: int(counts.get(status, 0))
        for status in ("new", "increased", "decreased", "lost", "unchanged")
    }
