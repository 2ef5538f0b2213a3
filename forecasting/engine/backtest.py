"""Backtest: replay past quarters as of their first day and compare with what happened.

For each quarter [start, end): train on deals closed before ``start`` (features as of past
days only), score the deals open on ``start``, replay that model on the windows before
``start`` for the calibration shock (``replay``), simulate the quarter (open deals with the
shock + run-rate of deals created later) and compare with the revenue actually won in it. Reports the P50 error,
whether the actual fell in the P10–P90 band, and — per deal open on ``start`` that went on to
win — whether its close day fell in its P10–P90 time-to-close band (deal-level coverage,
which should be near 80 %). A quarter before any deal closed is left out of the results.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forecasting.engine.montecarlo import simulate
from forecasting.engine.replay import pipeline_shock
from forecasting.engine.score import score_open
from forecasting.engine.series import runrate
from forecasting.engine.types import DealTable
from forecasting.engine.winmodel import train_win_model


@dataclass(frozen=True)
class QuarterResult:
    start: int
    end: int
    model: str
    p10: float
    p50: float
    p90: float
    actual: float
    in_band: bool
    p50_error: float  # (P50 − actual) ÷ actual; 0 when nothing was won
    won_deals: int
    won_in_time_band: int
    open_mean: float = 0.0  # expected revenue of the deals open on the first day
    runrate_mean: float = 0.0  # expected revenue of deals created during the quarter
    shock_mean: float = 0.0  # μ and σ of the calibration shock replayed before the quarter
    shock_sd: float = 0.0

    @property
    def timing_coverage(self) -> float:
        return self.won_in_time_band / self.won_deals if self.won_deals else float("nan")


def backtest(
    table: DealTable, quarters: list[tuple[int, int]], *, sims: int = 5_000, seed: int = 0, touches_for=None
) -> list[QuarterResult]:
    out = []
    for start, end in quarters:
        try:
            trained = train_win_model(table, until_day=start, seed=seed, touches_for=touches_for)
        except ValueError:
            continue  # nothing had closed yet: the quarter cannot be replayed

        batch = score_open(trained.model, table, start, touches_for=touches_for)
        idx = (
            np.searchsorted(table.ids, batch.deal_ids)
            if _sorted(table.ids)
            else _index(table, batch.deal_ids)
        )
        periods = [(0, end - start)]
        shock = pipeline_shock(trained.model, table, start, window=end - start, touches_for=touches_for)
        rr = runrate(table.created, table.closed, table.won, table.amount, as_of=start, periods=periods)
        # Deals created after `start` are the run-rate's; only the open ones are simulated.
        forecast, _ = simulate(
            table.amount[idx],
            batch.probability,
            batch.days_to_close,
            periods,
            sims=sims,
            seed=seed,
            runrate=rr,
            shock_mean=shock.mean,
            shock_sd=shock.sd,
        )
        f = forecast[0]
        won = (table.won == 1) & (table.closed >= start) & (table.closed < end)
        actual = float(table.amount[won].sum())
        later_won = table.won[idx] == 1
        days = (table.closed[idx] - start).astype(np.float64)
        band = batch.days_to_close
        inside = later_won & (days >= band[:, 0]) & (days <= band[:, 2])
        out.append(
            QuarterResult(
                start=start,
                end=end,
                model=trained.model.label,
                p10=f.p10,
                p50=f.p50,
                p90=f.p90,
                actual=actual,
                in_band=f.p10 <= actual <= f.p90,
                p50_error=(f.p50 - actual) / actual if actual else 0.0,
                won_deals=int(later_won.sum()),
                won_in_time_band=int(inside.sum()),
                open_mean=f.open_pipeline_mean,
                runrate_mean=f.runrate_mean,
                shock_mean=shock.mean,
                shock_sd=shock.sd,
            )
        )
    return out


def _sorted(a: np.ndarray) -> bool:
    return bool(np.all(a[1:] >= a[:-1]))


def _index(table: DealTable, ids: np.ndarray) -> np.ndarray:
    order = np.argsort(table.ids)
    return order[np.searchsorted(table.ids[order], ids)]
