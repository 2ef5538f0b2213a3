"""Pipeline velocity, an exponential-smoothing bookings baseline and the new-deal run-rate."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Velocity:
    """open deals × win rate × average won amount ÷ average cycle days = revenue per day."""

    open_deals: int
    win_rate: float
    average_won_amount: float
    cycle_days: float
    per_day: float

    def over(self, days: int) -> float:
        return self.per_day * days


def pipeline_velocity(
    open_count: int, won: np.ndarray, amount: np.ndarray, cycle_days: np.ndarray
) -> Velocity:
    """From closed deals: ``won`` 1/0, their amounts and created→closed days."""
    if len(won) == 0:
        return Velocity(open_count, 0.0, 0.0, 0.0, 0.0)
    rate = float(won.mean())
    avg = float(amount[won == 1].mean()) if won.sum() else 0.0
    cycle = float(np.mean(cycle_days[won == 1])) if won.sum() else float(np.mean(cycle_days))
    per_day = open_count * rate * avg / cycle if cycle > 0 else 0.0
    return Velocity(open_count, rate, avg, cycle, per_day)


@dataclass(frozen=True)
class Smoothing:
    alpha: float
    beta: float
    level: float
    trend: float
    forecast: tuple[float, ...]


def holt_forecast(series: np.ndarray, horizon: int) -> Smoothing:
    """Holt's linear exponential smoothing (additive trend), α and β chosen on a 0.1 grid by
    one-step-ahead squared error; forecasts floored at 0."""
    y = np.asarray(series, dtype=np.float64)
    if len(y) == 0:
        return Smoothing(0.0, 0.0, 0.0, 0.0, (0.0,) * horizon)
    if len(y) < 3:
        return Smoothing(1.0, 0.0, float(y[-1]), 0.0, (float(y.mean()),) * horizon)
    best = None
    grid = np.round(np.arange(0.1, 1.0, 0.1), 1)
    for a in grid:
        for b in grid:
            level, trend, sse = y[0], y[1] - y[0], 0.0
            for t in range(1, len(y)):
                pred = level + trend
                sse += (y[t] - pred) ** 2
                new_level = a * y[t] + (1 - a) * pred
                trend = b * (new_level - level) + (1 - b) * trend
                level = new_level
            if best is None or sse < best[0]:
                best = (sse, a, b, level, trend)
    assert best is not None
    _, a, b, level, trend = best
    fc = tuple(max(0.0, level + (h + 1) * trend) for h in range(horizon))
    return Smoothing(float(a), float(b), float(level), float(trend), fc)


def monthly_bookings(closed_day: np.ndarray, amount: np.ndarray, month_starts: np.ndarray) -> np.ndarray:
    """Won amount per month; ``month_starts`` holds n+1 boundaries (days)."""
    which = np.searchsorted(month_starts, closed_day, side="right") - 1
    ok = (which >= 0) & (which < len(month_starts) - 1)
    return np.bincount(which[ok], weights=amount[ok], minlength=len(month_starts) - 1)


def runrate(
    created: np.ndarray,
    closed: np.ndarray,
    won: np.ndarray,
    amount: np.ndarray,
    *,
    as_of: int,
    periods: list[tuple[int, int]],
    history_years: int = 2,
    trailing: int = 4,
) -> list[tuple[float, float]]:
    """Mean and standard deviation of revenue per period from deals created after the as-of
    day. Each sample replays the window from an earlier origin o: the revenue won in
    [o + start, o + end) by deals created on or after o.

    Origins: the same day one year back, two years back, … (a seasonal baseline, each shifted
    by 365 days); when the history is shorter than a year, the ``trailing`` most recent
    origins whose window has ended by the as-of day (o = as_of − end, − 2·end, …). An origin
    before the first deal is not used. Spread: the samples' standard deviation; with one
    sample, 30 % of it. Periods are day offsets from ``as_of``."""
    out = []
    wins = won == 1
    first = int(created.min()) if len(created) else as_of
    for start, end in periods:
        origins = [as_of - 365 * year for year in range(1, history_years + 1)]
        origins = [o for o in origins if o >= first]
        if not origins and end > 0:
            origins = [as_of - end * k for k in range(1, trailing + 1) if as_of - end * k >= first]
        values = [
            float(amount[wins & (created >= o) & (closed >= o + start) & (closed < o + end)].sum())
            for o in origins
        ]
        if not values:
            out.append((0.0, 0.0))
        else:
            arr = np.array(values)
            out.append(
                (float(arr.mean()), float(arr.std(ddof=1)) if len(arr) > 1 else float(arr.mean() * 0.3))
            )
    return out
