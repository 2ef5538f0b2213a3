"""Commission lines from harmonised transactions, plan assignments and objectives.

Vectorised where the rows are many (transactions: grouped, ordered and accumulated with
numpy/pandas), exact where the money is (one Decimal computation per rep × product line ×
month, rounded once per line). See `tiers` for what a window's cumulative base earns.

Windows: a line's objective is measured over its plan's window — the month, the fiscal
quarter, or the fiscal year to date. The threshold of a month or quarter window is the sum of
its months' objectives; of a year-to-date window, the objectives from the start of the fiscal
year through the line's month. Every month of a window counts the sales of the months before
it in the window, so pass the transactions from the start of the fiscal year of the first
month asked for; lines of those earlier months are computed too, and only the months asked
for are returned.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from commissions.engine.tiers import HUNDRED, ZERO, due, reached
from commissions.engine.types import (
    Assignment,
    Basis,
    CommissionLine,
    ObjectivePeriod,
    PlanTerms,
    Semantics,
    Transaction,
)

CENT = Decimal("0.01")
FRAME_COLUMNS = ("rep_id", "product_line_id", "date", "base_cents", "sales_cents", "revenue_cents")
EPOCH_MONTH = 1970 * 12  # datetime64[M] counts months from January 1970

Key = tuple[int, int, int]  # (rep id, product line id, month index)


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def to_cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value(rounding=ROUND_HALF_UP))


def month_index(day: dt.date) -> int:
    return day.year * 12 + day.month - 1


def month_start(index: int) -> dt.date:
    return dt.date(index // 12, index % 12 + 1, 1)


def frame_from_rows(rows: Iterable[tuple]) -> pd.DataFrame:
    """A transaction frame from (rep id, product line id, date, base, sales, revenue cents) rows."""
    frame = pd.DataFrame.from_records(list(rows), columns=list(FRAME_COLUMNS))
    frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[s]")
    for column in FRAME_COLUMNS:
        if column != "date":
            frame[column] = frame[column].astype("int64")
    return frame


def transactions_frame(transactions: Iterable[Transaction]) -> pd.DataFrame:
    """The frame `compute_commissions` reads, from Transaction records."""
    return frame_from_rows(
        (
            t.rep_id,
            t.product_line_id,
            t.date,
            to_cents(t.commission_base),
            to_cents(t.sales_amount),
            to_cents(t.revenue_amount),
        )
        for t in transactions
    )


def _window(period: ObjectivePeriod, index: int, fiscal_start: int) -> tuple[str, int]:
    fiscal = index - (fiscal_start - 1)
    if period == ObjectivePeriod.MONTH:
        return "m", index
    if period == ObjectivePeriod.QUARTER:
        return "q", fiscal // 3
    return "y", fiscal // 12


def _window_months(period: ObjectivePeriod, index: int, fiscal_start: int) -> range:
    """Month indexes whose objectives add up to the threshold of the line in month `index`."""
    offset = fiscal_start - 1
    if period == ObjectivePeriod.MONTH:
        return range(index, index + 1)
    if period == ObjectivePeriod.QUARTER:
        first = (index - offset) // 3 * 3 + offset
        return range(first, first + 3)
    return range((index - offset) // 12 * 12 + offset, index + 1)


def _terms_by_line(assignments: Sequence[Assignment], span: range) -> dict[Key, PlanTerms]:
    """The plan version in force for each covered (rep, line, month): the latest-starting one."""
    chosen: dict[Key, tuple[tuple, PlanTerms]] = {}
    for assignment in assignments:
        rank = (assignment.start, assignment.terms.version, assignment.terms.plan_id)
        for index in span:
            if assignment.covers(month_start(index)):
                key = (assignment.rep_id, assignment.product_line_id, index)
                if key not in chosen or chosen[key][0] < rank:
                    chosen[key] = (rank, assignment.terms)
    return {key: terms for key, (_, terms) in chosen.items()}


@dataclass(slots=True)
class _Window:
    """Transactions of one window in date order, with their cumulative base."""

    months: np.ndarray
    days: np.ndarray
    cumulative: np.ndarray

    def first_reached(self, threshold_cents: int, through_month: int) -> dt.date | None:
        end = int(np.searchsorted(self.months, through_month, side="right"))
        hits = self.cumulative[:end] >= threshold_cents
        if not hits.any():
            return None
        return pd.Timestamp(self.days[int(hits.argmax())]).date()


def _windows(frame: pd.DataFrame, window_of: dict[Key, int]) -> dict[int, _Window]:
    """Each window's transactions ordered by date, with the running sum of their base."""
    if frame.empty or not window_of:
        return {}
    months = frame["date"].to_numpy().astype("datetime64[M]").astype("int64") + EPOCH_MONTH
    keys = pd.DataFrame(
        [(rep, line, index, window) for (rep, line, index), window in window_of.items()],
        columns=["rep_id", "product_line_id", "month", "window"],
    )
    rows = pd.DataFrame(
        {
            "rep_id": frame["rep_id"].to_numpy(),
            "product_line_id": frame["product_line_id"].to_numpy(),
            "month": months,
            "day": frame["date"].to_numpy(),
            "base": frame["base_cents"].to_numpy(),
        }
    ).merge(keys, on=["rep_id", "product_line_id", "month"], how="inner")
    if rows.empty:
        return {}
    rows = rows.sort_values(["window", "day"], kind="stable")
    window_ids = rows["window"].to_numpy()
    cumulative = rows.groupby("window", sort=False)["base"].cumsum().to_numpy()
    starts = np.flatnonzero(np.r_[True, window_ids[1:] != window_ids[:-1]])
    ends = np.r_[starts[1:], len(window_ids)]
    month_values, day_values = rows["month"].to_numpy(), rows["day"].to_numpy()
    return {
        int(window_ids[start]): _Window(month_values[start:end], day_values[start:end], cumulative[start:end])
        for start, end in zip(starts, ends, strict=True)
    }


def _by_basis(
    booked: pd.DataFrame, others: Mapping[Basis, pd.DataFrame], terms_of: dict[Key, PlanTerms]
) -> pd.DataFrame:
    """Each (rep, line, month)'s rows from the frame of its plan's basis, in one frame."""
    bases = {terms.basis for terms in terms_of.values()}
    if bases <= {Basis.BOOKED}:
        return booked
    parts = []
    for basis in sorted(bases):
        source = booked if basis == Basis.BOOKED else others.get(basis)
        if source is None or source.empty:
            continue
        keys = pd.DataFrame(
            [key for key, terms in terms_of.items() if terms.basis == basis],
            columns=["rep_id", "product_line_id", "month"],
        )
        months = source["date"].to_numpy().astype("datetime64[M]").astype("int64") + EPOCH_MONTH
        picked = source.assign(month=months).merge(keys, on=["rep_id", "product_line_id", "month"])
        parts.append(picked.drop(columns="month")[list(FRAME_COLUMNS)])
    if not parts:
        return booked.iloc[0:0]
    return pd.concat(parts, ignore_index=True)


def _due(
    base: Decimal, threshold: Decimal | None, rates: tuple[Decimal, Decimal, Semantics]
) -> tuple[Decimal, Decimal]:
    tier1_rate, tier2_rate, semantics = rates
    return due(base, threshold, tier1_rate=tier1_rate, tier2_rate=tier2_rate, semantics=semantics)


def compute_commissions(
    *,
    transactions: pd.DataFrame,
    assignments: Sequence[Assignment],
    objectives: Mapping[Key, Decimal],
    months: Iterable[dt.date],
    fiscal_year_start_month: int = 1,
    adjustments: Mapping[Key, Decimal] | None = None,
    basis_frames: Mapping[Basis, pd.DataFrame] | None = None,
) -> list[CommissionLine]:
    """One line per rep × product line × month asked for that a plan assignment covers.

    `transactions`: a frame with FRAME_COLUMNS (see `frame_from_rows`), the booked basis;
    `basis_frames`: the frames of the other bases (invoiced: dated by invoice; paid: see
    `basis.paid_frame`) — a rep × product line × month whose plan counts on another basis reads
    that frame (empty when not given). `objectives` and `adjustments` are keyed by (rep id,
    product line id, month index — `month_index(day)`). Lines come ordered by rep, product line
    and month.
    """
    wanted = sorted({month_index(day) for day in months})
    if not wanted:
        return []
    offset = fiscal_year_start_month - 1
    first = (wanted[0] - offset) // 12 * 12 + offset  # the start of that fiscal year
    span = range(first, wanted[-1] + 1)
    terms_of = _terms_by_line(assignments, span)
    adjustments = adjustments or {}

    window_ids: dict[tuple, int] = {}
    window_of: dict[Key, int] = {}
    for key in sorted(terms_of):
        rep, line, index = key
        kind, number = _window(terms_of[key].objective_period, index, fiscal_year_start_month)
        window_of[key] = window_ids.setdefault((rep, line, kind, number), len(window_ids))

    frame = _by_basis(transactions, basis_frames or {}, terms_of)
    if not frame.empty:
        in_span = frame["date"].to_numpy().astype("datetime64[M]").astype("int64") + EPOCH_MONTH
        frame = frame.assign(month=in_span)
        frame = frame[(frame["month"] >= span.start) & (frame["month"] < span.stop)]
    monthly: dict[Key, tuple[int, int, int, int]] = {}
    if not frame.empty:
        grouped = frame.groupby(["rep_id", "product_line_id", "month"], sort=False).agg(
            n=("base_cents", "size"),
            base=("base_cents", "sum"),
            sales=("sales_cents", "sum"),
            revenue=("revenue_cents", "sum"),
        )
        monthly = {
            (int(rep), int(line), int(index)): (int(n), int(base), int(sales), int(revenue))
            for (rep, line, index), n, base, sales, revenue in zip(
                grouped.index,
                grouped["n"],
                grouped["base"],
                grouped["sales"],
                grouped["revenue"],
                strict=True,
            )
        }
    windows = _windows(frame.drop(columns="month") if "month" in frame else frame, window_of)

    lines: list[CommissionLine] = []
    state: dict[int, tuple[int, Decimal]] = {}  # window → (cumulative base cents, due so far)
    ytd: dict[tuple[int, int, int], tuple[Decimal, Decimal, Decimal]] = {}
    for key in sorted(terms_of):
        rep, product_line, index = key
        terms = terms_of[key]
        count, base_cents, sales_cents, revenue_cents = monthly.get(key, (0, 0, 0, 0))
        window = window_of[key]
        before_cents, due_before = state.get(window, (0, ZERO))
        after_cents = before_cents + base_cents

        in_window = [
            objectives.get((rep, product_line, m))
            for m in _window_months(terms.objective_period, index, fiscal_year_start_month)
        ]
        known = [value for value in in_window if value is not None]
        threshold = money(sum(known, ZERO)) if known else None
        objective = objectives.get(key)

        base_before = Decimal(before_cents).scaleb(-2)
        base_after = Decimal(after_cents).scaleb(-2)
        base_month = Decimal(base_cents).scaleb(-2)
        rates = (terms.tier1_rate, terms.tier2_rate, terms.semantics)
        tier1_after, tier2_after = _due(base_after, threshold, rates)
        due_after = tier1_after + tier2_after
        total_exact = due_after - due_before
        is_tier2 = reached(base_after, threshold)
        if terms.semantics == Semantics.RETROACTIVE or threshold is None:
            own = base_month * (terms.tier2_rate if is_tier2 else terms.tier1_rate) / HUNDRED
            tier1_exact, tier2_exact = (ZERO, own) if is_tier2 else (own, ZERO)
        else:
            tier1_before, tier2_before = _due(base_before, threshold, rates)
            tier1_exact, tier2_exact = tier1_after - tier1_before, tier2_after - tier2_before
        tier1, tier2 = money(tier1_exact), money(tier2_exact)
        true_up = money(total_exact - tier1_exact - tier2_exact)
        adjustment = money(adjustments.get(key, ZERO))
        total = tier1 + tier2 + true_up + adjustment
        state[window] = (after_cents, due_after)

        tier2_date = None
        if is_tier2 and threshold is not None and window in windows:
            tier2_date = windows[window].first_reached(to_cents(threshold), index)
        attainment = None
        if threshold is not None and threshold > 0:
            attainment = money(base_after / threshold * HUNDRED)

        fiscal_year = (index - offset) // 12
        sales = Decimal(sales_cents).scaleb(-2)
        ytd_sales, ytd_base, ytd_commission = ytd.get((rep, product_line, fiscal_year), (ZERO, ZERO, ZERO))
        ytd_sales, ytd_base, ytd_commission = ytd_sales + sales, ytd_base + base_month, ytd_commission + total
        ytd[(rep, product_line, fiscal_year)] = (ytd_sales, ytd_base, ytd_commission)
        if index not in wanted:
            continue
        lines.append(
            CommissionLine(
                rep_id=rep,
                product_line_id=product_line,
                month=month_start(index),
                plan_id=terms.plan_id,
                plan_version=terms.version,
                semantics=terms.semantics,
                objective_period=terms.objective_period,
                transactions=count,
                sales_actual=sales,
                revenue_actual=Decimal(revenue_cents).scaleb(-2),
                commission_base=base_month,
                objective=money(objective) if objective is not None else None,
                window_objective=threshold,
                window_base=base_after,
                attainment_percent=attainment,
                tier=2 if is_tier2 else 1,
                tier2_date=tier2_date,
                tier1_rate=terms.tier1_rate,
                tier2_rate=terms.tier2_rate,
                tier1_commission=tier1,
                tier2_commission=tier2,
                true_up=true_up,
                adjustments=adjustment,
                total=total,
                ytd_sales=ytd_sales,
                ytd_commission_base=ytd_base,
                ytd_commission=ytd_commission,
            )
        )
    return lines
