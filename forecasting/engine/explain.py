"""Drivers in plain language, suggested actions from a rule table, and the analyst narrative.

Everything here is assembled deterministically from the model's numbers; an LLM may only
rephrase the narrative (the numbers are never its own).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from forecasting.engine.types import Driver

TOP_DRIVERS = 4
STALLED_FACTOR = 1.5  # days in stage beyond 1.5× the typical → stalled
INACTIVE_DAYS = 30
PUSHES_TO_REQUALIFY = 2
SENIOR_GAP = 0.10  # owner's rate this far below the team's → pair with a senior rep


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def describe(
    name: str, value: float, *, stages: tuple[str, ...], typical: tuple[float, ...], vocab: dict
) -> str:
    """One feature value as a phrase a sales manager reads."""
    return phrase_for(name, stages=stages, vocab=vocab)(value)


def phrase_for(name: str, *, stages: tuple[str, ...], vocab: dict) -> Callable[[float], str]:
    """The function that words one feature's values (``describe`` for that feature): chosen
    once per feature, so many deals' values are worded without deciding again."""
    unknown = f"{_label(name)} unknown"

    def known(word: Callable[[float], str]) -> Callable[[float], str]:
        def phrase(value: float) -> str:
            if value is None or (isinstance(value, float) and math.isnan(value)):
                return unknown
            return word(value)

        return phrase

    words: dict[str, Callable[[float], str]] = {
        "stage": lambda v: f"In {_label(stages[int(v)])}",
        "days_in_stage": lambda v: f"{v:.0f} days in the current stage",
        "age_days": lambda v: f"Deal is {v:.0f} days old",
        "log_amount": lambda v: f"Amount {math.expm1(v):,.0f}",
        "owner_win_rate": lambda v: f"Owner's win rate {v:.0%}",
        "owner_closed_deals": lambda v: f"Owner has closed {v:.0f} deals",
        "account_win_rate": lambda v: f"Account's past win rate {v:.0%}",
        "account_closed_deals": lambda v: f"{v:.0f} earlier closed deals with this account",
        "close_date_pushes": lambda v: f"Close date pushed {v:.0f} times",
        "partner_involved": lambda v: "A partner is involved" if v else "No partner involved",
        "touch_count": lambda v: f"{v:.0f} marketing touches",
        "days_since_last_touch": lambda v: f"Last touch {v:.0f} days ago",
    }
    if name in words:
        return known(words[name])
    values = vocab.get(name, ())
    label = _label(name)

    def category(v: float) -> str:
        text = values[int(v)] if 0 <= int(v) < len(values) else "other"
        return f"{label}: {text}"

    return known(category)


def drivers(
    points: np.ndarray,
    values: np.ndarray,
    *,
    names: tuple[str, ...],
    stages: tuple[str, ...],
    typical: tuple[float, ...],
    vocab: dict,
    top: int = TOP_DRIVERS,
) -> tuple[Driver, ...]:
    """The ``top`` features with the largest |points| for one deal, strongest first."""
    points = np.asarray(points, dtype=np.float64)
    values = np.asarray(values, dtype=np.float64)
    chosen = top_drivers(points.reshape(1, -1), top)[0]
    return drivers_at(
        chosen.tolist(),
        points[chosen].tolist(),
        values[chosen].tolist(),
        int(np.nan_to_num(values[0])),
        names=names,
        stages=stages,
        typical=typical,
        vocab=vocab,
    )


def top_drivers(points: np.ndarray, top: int = TOP_DRIVERS) -> np.ndarray:
    """(n, top) feature indices of each row's largest |points|, strongest first — the same
    choice ``drivers`` makes one deal at a time, for every deal at once (``argpartition`` on
    the whole matrix, then a sort of the ``top`` columns only)."""
    n, features = points.shape
    top = min(top, features)
    if n == 0 or top == 0:
        return np.zeros((n, top), dtype=np.int64)
    size = -np.abs(points)
    part = (
        np.argpartition(size, top - 1, axis=1)[:, :top]
        if top < features
        else np.tile(np.arange(features), (n, 1))
    )
    # Ties broken by feature index, like a stable argsort of the whole row.
    order = np.lexsort((part, np.take_along_axis(size, part, axis=1)), axis=1)
    return np.take_along_axis(part, order, axis=1)


def drivers_at(
    chosen: list[int],
    points: list[float],
    values: list[float],
    stage: int,
    *,
    names: tuple[str, ...],
    stages: tuple[str, ...],
    typical: tuple[float, ...],
    vocab: dict,
) -> tuple[Driver, ...]:
    """One deal's drivers from its pre-chosen feature indices (``top_drivers``), with those
    features' points and values in the same order and the deal's stage code (plain Python
    numbers: this runs once per deal scored)."""
    out = []
    for j, pts, value in zip(chosen, points, values, strict=True):
        if abs(pts) < 0.5:
            continue
        name = names[j]
        if name == "days_in_stage" and stage < len(typical):
            phrase = stage_days_phrase(value, stage, stages=stages, typical=typical)
        else:
            phrase = describe(name, value, stages=stages, typical=typical, vocab=vocab)
        sign = "+" if pts > 0 else "−"
        out.append(Driver(name, pts, f"{phrase}: {sign}{abs(pts):.0f} pts"))
    return tuple(out)


def stage_days_phrase(
    value: float, stage: int, *, stages: tuple[str, ...], typical: tuple[float, ...]
) -> str:
    """Days in the current stage against the typical time in that stage (a driver's phrase)."""
    over = value - typical[stage]
    where = _label(stages[stage])
    return (
        f"{over:.0f} days past the typical time in {where}"
        if over > 0
        else f"{value:.0f} days in {where} (typical {typical[stage]:.0f})"
    )


@dataclass(frozen=True)
class DealFacts:
    """What the rule table and the narrative read about one open deal."""

    name: str
    probability: float
    risk: int
    risk_band: str
    stage: str
    days_in_stage: float
    typical_days: float
    pushes: int
    touch_count: float  # NaN unknown
    days_since_touch: float  # NaN unknown
    owner_rate: float
    team_rate: float
    days_to_close: tuple[float, float, float]
    model_label: str
    channels: tuple[tuple[str, float], ...] = ()  # (channel, historical win rate)


def actions(f: DealFacts) -> tuple[str, ...]:
    """Suggested next steps, from the rule table in ``docs/forecasting.md``."""
    out = []
    if f.days_in_stage > STALLED_FACTOR * max(f.typical_days, 1):
        out.append(
            f"Stalled: schedule a concrete next step ({f.days_in_stage:.0f} days in {f.stage}, "
            f"typical {f.typical_days:.0f})."
        )
    if f.pushes >= PUSHES_TO_REQUALIFY:
        out.append(f"Re-qualify the close date: it was pushed {f.pushes} times.")
    if not math.isnan(f.touch_count) and f.touch_count <= 1:
        out.append("Multi-thread: at most one contact is engaged on this deal.")
    if not math.isnan(f.days_since_touch) and f.days_since_touch > INACTIVE_DAYS:
        out.append(f"Re-engage: no activity for {f.days_since_touch:.0f} days.")
    if f.stage.lower() in {"prospecting", "qualification"} and f.probability < 0.2:
        out.append("Schedule a discovery call to confirm need, budget and timing.")
    if f.owner_rate < f.team_rate - SENIOR_GAP and f.risk >= 50:
        out.append("Pair with a senior rep (or reassign): the owner closes well below the team.")
    return tuple(out)


def narrative(f: DealFacts, top: tuple[Driver, ...], steps: tuple[str, ...]) -> str:
    """A short analyst note, every number from the model."""
    p10, p50, p90 = f.days_to_close
    parts = [
        f"{f.name}: {f.probability:.0%} chance to win ({f.model_label}); {f.risk_band} risk ({f.risk}/100).",
        f"If it wins, it most likely closes in about {p50:.0f} days (80 % band {p10:.0f}–{p90:.0f}).",
        f"The owner closes {f.owner_rate:.0%} of deals against the team's {f.team_rate:.0%}.",
    ]
    if f.channels:
        journey = ", ".join(f"{c} ({r:.0%} historical win rate)" for c, r in f.channels)
        parts.append(f"Journey channels: {journey}.")
    if top:
        parts.append("Main drivers: " + "; ".join(d.text for d in top) + ".")
    parts.append("Recommendation: " + (steps[0] if steps else "keep the current plan; nothing stands out."))
    return " ".join(parts)
