"""The partner program's arithmetic: which tier a partner qualifies for, what it lacks for the
next one, and its health score. Pure computation on plain values (no ORM): the services read the
figures in a few set-based queries and hand them here.

Tier rule: a partner holds the highest-ranked tier whose every threshold it meets (revenue
attributed in the tier's trailing window, registrations won in that window, certifications
valid today). A partner meeting none holds the lowest-ranked tier.

Health (0–100) is the weighted sum of five component scores, each 0–100, rounded half up:

| component | weight | score |
|---|---:|---|
| revenue trend | 30 | attributed revenue of the last 90 days `cur` against the 90 before `prev`: 0 when both are 0; 100 when only `cur` is positive; else min(100, 50 × cur / prev) |
| registration win rate | 25 | of the registrations decided in the last 365 days (approved, expired or rejected), the percentage whose deal is won; 0 without decided registrations |
| activity recency | 20 | days since the last activity `d` (a registration submitted or attributed revenue dated): max(0, 100 − 100 × d / inactive days); 0 without any activity |
| dispute rate | 15 | disputes opened in the last 365 days per credited deal in that time: 100 × (1 − min(1, disputes / max(1, deals))) |
| tier trajectory | 10 | the last applied tier change in the last 365 days: up 100, none 50, down 0 |
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

TREND_DAYS = 90
WIN_RATE_DAYS = 365
DISPUTE_DAYS = 365
TRAJECTORY_DAYS = 365

WEIGHTS: dict[str, int] = {
    "revenue_trend": 30,
    "win_rate": 25,
    "recency": 20,
    "disputes": 15,
    "trajectory": 10,
}
LABELS: dict[str, str] = {
    "revenue_trend": "Attributed revenue trend",
    "win_rate": "Registration win rate",
    "recency": "Activity recency",
    "disputes": "Dispute rate",
    "trajectory": "Tier trajectory",
}


@dataclass(frozen=True)
class TierSpec:
    """One configured tier's thresholds."""

    tier: str
    rank: int
    window_days: int
    min_revenue: Decimal
    min_won: int
    min_certifications: int


@dataclass(frozen=True)
class PartnerFigures:
    """A partner's figures: revenue and registrations won per window length (days), certifications."""

    revenue: dict[int, Decimal] = field(default_factory=dict)
    won: dict[int, int] = field(default_factory=dict)
    certifications: int = 0


@dataclass(frozen=True)
class Criterion:
    """One threshold of a tier against the partner's figure; `short` is what is missing (0 if met)."""

    key: str
    label: str
    required: Decimal
    actual: Decimal
    short: Decimal

    @property
    def met(self) -> bool:
        return self.short <= 0

    def as_dict(self) -> dict[str, str]:
        return {
            "key": self.key,
            "label": self.label,
            "required": str(self.required),
            "actual": str(self.actual),
            "short": str(self.short),
        }


def criteria(spec: TierSpec, figures: PartnerFigures) -> list[Criterion]:
    """The tier's thresholds (only those above zero) against the partner's figures."""
    out = []
    revenue = figures.revenue.get(spec.window_days, Decimal("0.00"))
    if spec.min_revenue > 0:
        out.append(
            Criterion(
                "revenue",
                f"Attributed revenue, last {spec.window_days} days",
                spec.min_revenue,
                revenue,
                max(Decimal("0.00"), spec.min_revenue - revenue),
            )
        )
    won = figures.won.get(spec.window_days, 0)
    if spec.min_won > 0:
        out.append(
            Criterion(
                "won",
                f"Registrations won, last {spec.window_days} days",
                Decimal(spec.min_won),
                Decimal(won),
                Decimal(max(0, spec.min_won - won)),
            )
        )
    if spec.min_certifications > 0:
        out.append(
            Criterion(
                "certifications",
                "Valid certifications",
                Decimal(spec.min_certifications),
                Decimal(figures.certifications),
                Decimal(max(0, spec.min_certifications - figures.certifications)),
            )
        )
    return out


def qualifies(spec: TierSpec, figures: PartnerFigures) -> bool:
    return all(c.met for c in criteria(spec, figures))


def tier_for(specs: list[TierSpec], figures: PartnerFigures) -> TierSpec | None:
    """The highest-ranked tier the partner qualifies for (the lowest when none); None without tiers."""
    ordered = sorted(specs, key=lambda s: s.rank)
    if not ordered:
        return None
    best = ordered[0]
    for spec in ordered:
        if qualifies(spec, figures):
            best = spec
    return best


def next_tier(specs: list[TierSpec], current: str) -> TierSpec | None:
    """The tier ranked just above `current` (None at the top or when `current` is not configured)."""
    ordered = sorted(specs, key=lambda s: s.rank)
    ranks = [s.tier for s in ordered]
    if current not in ranks:
        return ordered[0] if ordered else None
    index = ranks.index(current)
    return ordered[index + 1] if index + 1 < len(ordered) else None


@dataclass(frozen=True)
class HealthInputs:
    """A partner's raw figures for the health score."""

    revenue_current: Decimal  # attributed, last TREND_DAYS days
    revenue_previous: Decimal  # attributed, the TREND_DAYS before those
    decided: int  # registrations decided in the last WIN_RATE_DAYS days
    won: int  # of which their deal is won
    last_activity: dt.date | None
    disputes: int
    credited_deals: int
    trajectory: int  # +1 up, 0 none, -1 down


@dataclass(frozen=True)
class Component:
    key: str
    label: str
    value: str
    score: int
    weight: int

    def as_dict(self) -> dict[str, str | int]:
        return {
            "key": self.key,
            "label": self.label,
            "value": self.value,
            "score": self.score,
            "weight": self.weight,
        }


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def _clamp(value: Decimal) -> Decimal:
    return min(Decimal(100), max(Decimal(0), value))


def health_components(inputs: HealthInputs, *, today: dt.date, inactive_days: int) -> list[Component]:
    """The five component scores (each 0–100, rounded half up) with the figure behind each."""
    cur, prev = inputs.revenue_current, inputs.revenue_previous
    if cur <= 0 and prev <= 0:
        trend = Decimal(0)
    elif prev <= 0:
        trend = Decimal(100)
    else:
        trend = _clamp(50 * cur / prev)
    trend_value = f"{cur:.2f} vs {prev:.2f}"

    rate = Decimal(100) * inputs.won / inputs.decided if inputs.decided else Decimal(0)
    win_value = f"{inputs.won} of {inputs.decided} won"

    if inputs.last_activity is None:
        recency, recency_value = Decimal(0), "no activity"
    else:
        days = max(0, (today - inputs.last_activity).days)
        recency = _clamp(100 - Decimal(100) * days / max(1, inactive_days))
        recency_value = f"{days} days ago"

    ratio = min(Decimal(1), Decimal(inputs.disputes) / max(1, inputs.credited_deals))
    disputes = 100 * (1 - ratio)
    dispute_value = f"{inputs.disputes} disputes / {inputs.credited_deals} deals"

    trajectory = {1: Decimal(100), 0: Decimal(50), -1: Decimal(0)}[inputs.trajectory]
    trajectory_value = {1: "up", 0: "unchanged", -1: "down"}[inputs.trajectory]

    scores = {
        "revenue_trend": (trend, trend_value),
        "win_rate": (rate, win_value),
        "recency": (recency, recency_value),
        "disputes": (disputes, dispute_value),
        "trajectory": (trajectory, trajectory_value),
    }
    return [
        Component(key, LABELS[key], value, _round(score), WEIGHTS[key])
        for key, (score, value) in scores.items()
    ]


def health_score(components: list[Component]) -> int:
    """Σ weight × score / Σ weights, rounded half up (component scores are already rounded)."""
    total = sum((Decimal(c.weight) * c.score for c in components), start=Decimal(0))
    weights = sum(c.weight for c in components) or 1
    return _round(total / weights)
