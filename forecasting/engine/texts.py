"""The drivers', actions' and analyses' text of many scored deals at once.

The same text as `explain.drivers_at`, `explain.actions` and `explain.narrative` write for one
deal (tested deal by deal), made column by column: each feature's phrase function is chosen
once (`explain.phrase_for`) and applied to the values of the deals that have that feature
among their drivers, numbers are formatted a column at a time, each rule of the action table
is one array comparison, and the parts that do not change between deals (the model's label,
the team's rate, the stage names) are formatted once. What is left per deal is joining its
pieces.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forecasting.engine.explain import (
    INACTIVE_DAYS,
    PUSHES_TO_REQUALIFY,
    SENIOR_GAP,
    STALLED_FACTOR,
    phrase_for,
    stage_days_phrase,
)

MULTI_THREAD = "Multi-thread: at most one contact is engaged on this deal."
DISCOVERY = "Schedule a discovery call to confirm need, budget and timing."
SENIOR = "Pair with a senior rep (or reassign): the owner closes well below the team."
EARLY_STAGES = frozenset({"prospecting", "qualification"})
NOTHING_STANDS_OUT = "keep the current plan; nothing stands out."


@dataclass(frozen=True, eq=False)
class DealColumns:
    """What the texts read about n deals, one array or list per fact (index i ↔ deal i).

    ``chosen``, ``points`` and ``values``: (n, k) — each deal's driver features (indices into
    ``names``, strongest first, as `explain.top_drivers` chooses them), their points and
    their values. ``stage``: stage codes into ``stages``.
    """

    names: list[str]  # deals' names
    probability: np.ndarray
    risk: np.ndarray
    risk_band: list[str]
    stage: np.ndarray
    days_in_stage: np.ndarray
    pushes: np.ndarray  # integers
    touch_count: np.ndarray  # NaN unknown
    days_since_touch: np.ndarray  # NaN unknown
    owner_rate: np.ndarray
    days_to_close: np.ndarray  # (n, 3): P10, P50, P90
    chosen: np.ndarray
    points: np.ndarray
    values: np.ndarray


@dataclass(frozen=True)
class DealTexts:
    """Per deal: its drivers as (feature, points rounded to 0.1, text), its actions and its
    analysis."""

    drivers: list[list[tuple[str, float, str]]]
    actions: list[list[str]]
    narratives: list[str]


def deal_texts(
    deals: DealColumns,
    *,
    features: tuple[str, ...],
    stages: tuple[str, ...],
    typical: tuple[float, ...],
    vocab: dict,
    team_rate: float,
    model_label: str,
) -> DealTexts:
    drivers = _drivers(deals, features=features, stages=stages, typical=typical, vocab=vocab)
    labels = [s.replace("_", " ").capitalize() for s in stages]
    steps = _actions(deals, labels=labels, typical=typical, team_rate=team_rate)
    p10, p50, p90 = (_formatted("{:.0f}", deals.days_to_close[:, k]) for k in range(3))
    chance = _formatted("{:.0%}", deals.probability)
    owner = _formatted("{:.0%}", deals.owner_rate)
    team = f"{team_rate:.0%}"
    heads = [
        f"{name}: {c} chance to win ({model_label}); {band} risk ({r}/100). If it wins, it most "
        f"likely closes in about {m} days (80 % band {lo}–{hi}). The owner closes {o} of deals "
        f"against the team's {team}."
        for name, c, band, r, m, lo, hi, o in zip(
            deals.names, chance, deals.risk_band, deals.risk.tolist(), p50, p10, p90, owner, strict=True
        )
    ]
    narratives = []
    for head, top, todo in zip(heads, drivers, steps, strict=True):
        main = " Main drivers: " + "; ".join([d[2] for d in top]) + "." if top else ""
        narratives.append(f"{head}{main} Recommendation: {todo[0] if todo else NOTHING_STANDS_OUT}")
    return DealTexts(drivers, steps, narratives)


def _formatted(spec: str, column: np.ndarray) -> list[str]:
    return list(map(spec.format, column.tolist()))


def _drivers(
    deals: DealColumns,
    *,
    features: tuple[str, ...],
    stages: tuple[str, ...],
    typical: tuple[float, ...],
    vocab: dict,
) -> list[list[tuple[str, float, str]]]:
    n, k = deals.chosen.shape
    out: list[list[tuple[str, float, str]]] = [[] for _ in range(n)]
    stage = deals.stage
    for slot in range(k):
        points = deals.points[:, slot]
        # `drivers_at` leaves out a driver worth less than half a point (NaN is kept, as there).
        shown = ~(np.abs(points) < 0.5)
        chosen = deals.chosen[:, slot]
        phrases: list[str] = [""] * n
        for j in np.unique(chosen[shown]).tolist():
            rows = np.flatnonzero(shown & (chosen == j))
            values = deals.values[rows, slot].tolist()
            name = features[j]
            if name == "days_in_stage":
                word = phrase_for(name, stages=stages, vocab=vocab)
                for i, value, code in zip(rows.tolist(), values, stage[rows].tolist(), strict=True):
                    phrases[i] = (
                        stage_days_phrase(value, code, stages=stages, typical=typical)
                        if code < len(typical)
                        else word(value)
                    )
            else:
                word = phrase_for(name, stages=stages, vocab=vocab)
                cache: dict[float, str] = {}
                for i, value in zip(rows.tolist(), values, strict=True):
                    if value == 0 or value != value:
                        # -0.0 equals 0.0 but prints "-0"; NaN equals nothing: worded each time.
                        phrases[i] = word(value)
                        continue
                    phrase = cache.get(value)
                    if phrase is None:
                        phrase = cache[value] = word(value)
                    phrases[i] = phrase
        rows = np.flatnonzero(shown)
        kept = points[rows]
        size = _formatted("{:.0f}", np.abs(kept))
        signs = np.where(kept > 0, "+", "−").tolist()
        names = [features[j] for j in chosen[rows].tolist()]
        for i, name, pts, sign, amount in zip(rows.tolist(), names, kept.tolist(), signs, size, strict=True):
            out[i].append((name, round(pts, 1), f"{phrases[i]}: {sign}{amount} pts"))
    return out


def _actions(
    deals: DealColumns, *, labels: list[str], typical: tuple[float, ...], team_rate: float
) -> list[list[str]]:
    """`explain.actions` for every deal: each rule of the table is one comparison of columns;
    the deals it fires for get its text, in the table's order."""
    n = len(deals.names)
    out: list[list[str]] = [[] for _ in range(n)]
    code = deals.stage
    typical_days = np.asarray(typical, dtype=np.float64)[code] if len(typical) else np.zeros(n)
    days = deals.days_in_stage
    with np.errstate(invalid="ignore"):
        stalled = days > STALLED_FACTOR * np.maximum(typical_days, 1)
        # max(nan, 1) is nan in `actions`, np.maximum too: a comparison with it is false.
        stalled &= ~np.isnan(typical_days)
        requalify = deals.pushes >= PUSHES_TO_REQUALIFY
        single = ~np.isnan(deals.touch_count) & (deals.touch_count <= 1)
        inactive = ~np.isnan(deals.days_since_touch) & (deals.days_since_touch > INACTIVE_DAYS)
        early = np.array([label.lower() in EARLY_STAGES for label in labels], dtype=bool)
        discovery = early[code] & (deals.probability < 0.2)
        senior = (deals.owner_rate < team_rate - SENIOR_GAP) & (deals.risk >= 50)
    for i in np.flatnonzero(stalled).tolist():
        out[i].append(
            f"Stalled: schedule a concrete next step ({days[i]:.0f} days in {labels[code[i]]}, "
            f"typical {typical_days[i]:.0f})."
        )
    pushes = deals.pushes
    for i in np.flatnonzero(requalify).tolist():
        out[i].append(f"Re-qualify the close date: it was pushed {int(pushes[i])} times.")
    for i in np.flatnonzero(single).tolist():
        out[i].append(MULTI_THREAD)
    since = deals.days_since_touch
    for i in np.flatnonzero(inactive).tolist():
        out[i].append(f"Re-engage: no activity for {since[i]:.0f} days.")
    for i in np.flatnonzero(discovery).tolist():
        out[i].append(DISCOVERY)
    for i in np.flatnonzero(senior).tolist():
        out[i].append(SENIOR)
    return out
