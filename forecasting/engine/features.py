"""Features of deals as of a day, from what was known on that day only (no leakage).

For an example (deal ``i``, day ``D``) every feature reads events dated on or before ``D`` and
outcomes of *other* deals closed strictly before ``D``: the stage is the last stage entered on
or before ``D``; the owner's and the account's win rates count only deals closed before ``D``
(smoothed toward the organization's rate before ``D`` with ``PRIOR_DEALS`` pseudo-deals);
pushes, partner involvement and touches count events up to ``D``. Adding data dated after
``D`` cannot change a feature as of ``D`` (tested).

Scoring reads only the deals open on the day: the other deals' outcomes then come as a
``ClosedHistory``, the counts of deals closed and won strictly before that day per owner, per
account and in the whole organization (the database's GROUP BY), and the features are the same
numbers the full table gives (tested).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from forecasting.engine.types import DealTable, Touches

# Pseudo-deals pulling a small owner's or account's record toward the organization's rate.
PRIOR_DEALS = 10.0
_SHIFT = np.int64(1 << 21)  # key = index << 21 | day: days stay below 2**21 (year 7711)

NUMERIC_FEATURES = (
    "stage",
    "days_in_stage",
    "age_days",
    "log_amount",
    "owner_win_rate",
    "owner_closed_deals",
    "account_win_rate",
    "account_closed_deals",
    "close_date_pushes",
    "partner_involved",
    "touch_count",
    "days_since_last_touch",
)


@dataclass(frozen=True, eq=False)
class Examples:
    """Rows to score or learn from: deal index and as-of day (and the label when known)."""

    deal: np.ndarray  # int64 index into the table
    day: np.ndarray  # int32
    label: np.ndarray | None = None  # 1 won / 0 lost

    def __len__(self) -> int:
        return len(self.deal)


@dataclass(frozen=True, eq=False)
class FeatureMatrix:
    names: tuple[str, ...]
    values: np.ndarray  # float64 (n, len(names)); categoricals as codes, NaN unknown
    categorical: tuple[str, ...]


@dataclass(frozen=True, eq=False)
class ClosedHistory:
    """Deals closed strictly before ``day``, counted: what the win-rate features read of the
    deals that are not in the table. ``owner_*`` index the table's owner codes, ``account_*``
    its account codes."""

    day: int
    owner_closed: np.ndarray  # float64 per owner code
    owner_won: np.ndarray
    account_closed: np.ndarray  # float64 per account code
    account_won: np.ndarray
    closed: int  # the whole organization
    won: int


def _keyed(index: np.ndarray, day: np.ndarray) -> np.ndarray:
    return index.astype(np.int64) * _SHIFT + day.astype(np.int64)


def _count_upto(ev_deal: np.ndarray, ev_day: np.ndarray, deal: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Events of each example's deal dated on or before its day."""
    if len(ev_deal) == 0:
        return np.zeros(len(deal))
    keys = np.sort(_keyed(ev_deal, ev_day))
    hi = np.searchsorted(keys, _keyed(deal, day), side="right")
    lo = np.searchsorted(keys, _keyed(deal, np.zeros_like(day)), side="left")
    return (hi - lo).astype(np.float64)


def _rate_before(
    group: np.ndarray, closed: np.ndarray, won: np.ndarray, q_group: np.ndarray, q_day: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(deals closed, deals won) per query group strictly before the query day."""
    mask = (won >= 0) & (group >= 0)
    g, c, w = group[mask].astype(np.int64), closed[mask], won[mask]
    order = np.lexsort((c, g))
    keys = _keyed(g[order], c[order])
    cum_won = np.concatenate([[0], np.cumsum(w[order].astype(np.int64))])
    valid = q_group >= 0
    qg = np.where(valid, q_group, 0).astype(np.int64)
    hi = np.searchsorted(keys, _keyed(qg, q_day), side="left")
    lo = np.searchsorted(keys, _keyed(qg, np.zeros_like(q_day)), side="left")
    n = np.where(valid, hi - lo, 0).astype(np.float64)
    wins = np.where(valid, cum_won[hi] - cum_won[lo], 0).astype(np.float64)
    return n, wins


def _group_counts(closed: np.ndarray, won: np.ndarray, code: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(deals closed, deals won) of each example's group; 0 without a group."""
    valid = code >= 0
    safe = np.where(valid, code, 0)
    if len(closed) == 0:
        return np.zeros(len(code)), np.zeros(len(code))
    return (
        np.where(valid, closed[safe], 0).astype(np.float64),
        np.where(valid, won[safe], 0).astype(np.float64),
    )


def org_rate_before(table: DealTable, day: np.ndarray) -> np.ndarray:
    """The organization's win rate over deals closed before each day (0.5 before any)."""
    mask = table.won >= 0
    order = np.argsort(table.closed[mask], kind="stable")
    days = table.closed[mask][order]
    cum = np.concatenate([[0], np.cumsum(table.won[mask][order].astype(np.int64))])
    n = np.searchsorted(days, day, side="left")
    return np.where(n > 0, cum[n] / np.maximum(n, 1), 0.5)


def stage_at(table: DealTable, deal: np.ndarray, day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(open stage code, day that stage was entered) as of each day; Prospecting-like code 0
    from the created day when no stage was recorded yet. Closed codes are clamped to the last
    open stage (a deal is open at its examples' days)."""
    last_open = len(table.stages) - 1
    created = table.created[deal]
    if len(table.hist_deal) == 0:
        return np.zeros(len(deal), np.int64), created
    keys = _keyed(table.hist_deal, table.hist_day)
    pos = np.searchsorted(keys, _keyed(deal, day), side="right") - 1
    safe = np.maximum(pos, 0)
    found = (pos >= 0) & (table.hist_deal[safe] == deal)
    stage = np.where(found, np.minimum(table.hist_stage[safe], last_open), 0).astype(np.int64)
    entered = np.where(found, table.hist_day[safe], created)
    return stage, np.maximum(entered, created)


def build_features(
    table: DealTable,
    examples: Examples,
    *,
    vocab: dict[str, tuple[str, ...]],
    touches: Touches | None = None,
    history: ClosedHistory | None = None,
) -> FeatureMatrix:
    """The feature matrix of ``examples``; categoricals coded by ``vocab`` (unseen → NaN).

    ``history``: the closed deals' counts before the examples' one day, when the table holds
    only the deals to score (the win rates are then read from it, not from the table)."""
    deal, day = examples.deal, examples.day.astype(np.int64)
    n = len(deal)
    stage, entered = stage_at(table, deal, day)
    if history is None:
        org_rate = org_rate_before(table, day)
        o_n, o_w = _rate_before(table.owner, table.closed, table.won, table.owner[deal], day)
        a_n, a_w = _rate_before(table.account, table.closed, table.won, table.account[deal], day)
    else:
        if n and not np.all(day == history.day):
            raise ValueError(f"The closed-deal counts are as of day {history.day}; an example is not.")
        org_rate = np.full(n, history.won / history.closed if history.closed else 0.5)
        o_n, o_w = _group_counts(history.owner_closed, history.owner_won, table.owner[deal])
        a_n, a_w = _group_counts(history.account_closed, history.account_won, table.account[deal])
    if touches is None:
        touch_count = np.full(n, np.nan)
        since_touch = np.full(n, np.nan)
    else:
        touch_count = touches.count.astype(np.float64)
        since_touch = np.where(touches.last_day >= 0, day - touches.last_day, np.nan)
    columns = [
        stage.astype(np.float64),
        (day - entered).astype(np.float64),
        (day - table.created[deal]).astype(np.float64),
        np.log1p(np.maximum(table.amount[deal], 0.0)),
        (o_w + PRIOR_DEALS * org_rate) / (o_n + PRIOR_DEALS),
        o_n,
        (a_w + PRIOR_DEALS * org_rate) / (a_n + PRIOR_DEALS),
        a_n,
        _count_upto(table.push_deal, table.push_day, deal, day),
        (_count_upto(table.partner_deal, table.partner_day, deal, day) > 0).astype(np.float64),
        touch_count,
        since_touch,
    ]
    names = list(NUMERIC_FEATURES)
    cats = []
    for name in sorted(vocab):
        raw = table.categoricals.get(name)
        if raw is None:
            columns.append(np.full(n, np.nan))
        else:
            codes = pd.Index(list(vocab[name])).get_indexer(raw[deal]).astype(np.float64)
            columns.append(np.where(codes < 0, np.nan, codes))
        names.append(name)
        cats.append(name)
    return FeatureMatrix(tuple(names), np.column_stack(columns), tuple(cats))


def vocabulary(table: DealTable, *, min_count: int = 5) -> dict[str, tuple[str, ...]]:
    """Each categorical's values seen at least ``min_count`` times (rarer ones read as unknown)."""
    out = {}
    for name, raw in table.categoricals.items():
        counts = pd.Series(raw).replace("", np.nan).value_counts()
        out[name] = tuple(sorted(str(v) for v in counts[counts >= min_count].index))
    return out


def training_examples(
    table: DealTable,
    *,
    step_days: int = 14,
    until_day: int | None = None,
    max_per_deal: int = 4,
    seed: int = 0,
) -> Examples:
    """Examples of deals closed before ``until_day``: each day of a ``step_days`` grid on which
    the deal was open (at most ``max_per_deal`` per deal, drawn at random without looking at
    the outcome), labelled with how it ended."""
    closed_mask = table.won >= 0
    if until_day is not None:
        closed_mask &= table.closed < until_day
    idx = np.flatnonzero(closed_mask)
    if len(idx) == 0:
        return Examples(np.zeros(0, np.int64), np.zeros(0, np.int32), np.zeros(0, np.int8))
    start = int(table.created[idx].min())
    grid = np.arange(start - start % step_days, int(table.closed[idx].max()) + step_days, step_days)
    first = np.searchsorted(grid, table.created[idx], side="left")
    stop = np.searchsorted(grid, table.closed[idx], side="left")
    counts = np.maximum(stop - first, 0)
    deal = np.repeat(idx, counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    day = grid[np.repeat(first, counts) + offsets]
    if max_per_deal:
        rng = np.random.default_rng(seed)
        rank = np.empty(len(deal))
        rank[:] = rng.random(len(deal))
        order = np.lexsort((rank, deal))
        deal, day = deal[order], day[order]
        pos = np.arange(len(deal)) - np.repeat(np.cumsum(counts) - counts, counts)
        keep = pos < max_per_deal
        deal, day = deal[keep], day[keep]
    return Examples(deal.astype(np.int64), day.astype(np.int32), table.won[deal].astype(np.int8))


def open_examples(table: DealTable, day: int) -> Examples:
    """Every deal open on ``day``: created on or before it and not closed by then."""
    mask = (table.created <= day) & ((table.closed < 0) | (table.closed > day))
    deal = np.flatnonzero(mask).astype(np.int64)
    return Examples(deal, np.full(len(deal), day, np.int32))
