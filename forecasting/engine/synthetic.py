"""A seeded synthetic sales world with known win probabilities (tests and benchmarks).

Each deal's true probability is logistic in its owner's skill, segment, lead source and log
amount; the outcome is a Bernoulli draw from it. The sales cycle (created → closed) depends
on segment and amount but not on the outcome, and deals move through the open stages at fixed
fractions of their cycle, so being open on a day says nothing about the outcome: the true
probability of every example is the deal's own ``p``. Deals whose close falls after ``today``
are still open.
"""

from __future__ import annotations

import numpy as np

from forecasting.engine.types import OPEN, DealTable

STAGES = ("prospecting", "qualification", "proposal", "negotiation")
SEGMENTS = ("smb", "mid_market", "enterprise")
SOURCES = ("inbound", "outbound", "partner", "event")


def synthetic_world(
    n: int,
    *,
    seed: int = 0,
    start_day: int = 18_000,
    span_days: int = 900,
    today: int | None = None,
    owners: int = 25,
) -> tuple[DealTable, np.ndarray]:
    rng = np.random.default_rng(seed)
    created = np.sort(rng.integers(start_day, start_day + span_days, n)).astype(np.int32)
    owner = rng.integers(0, owners, n).astype(np.int32)
    skill = rng.normal(0, 0.7, owners)
    seg = rng.choice(3, n, p=[0.5, 0.35, 0.15])
    src = rng.choice(4, n, p=[0.4, 0.3, 0.15, 0.15])
    amount = np.round(np.exp(rng.normal(9.5 + seg * 0.8, 0.6)), 2)
    logit = -0.3 + skill[owner] + np.array([0.4, 0.0, -0.5])[seg] + np.array([0.5, -0.6, 0.8, 0.0])[src]
    logit -= 0.35 * (np.log(amount) - np.log(amount).mean())
    p = 1 / (1 + np.exp(-logit))
    won_draw = (rng.random(n) < p).astype(np.int8)
    cycle = np.maximum(3, np.round(np.exp(rng.normal(np.log(45) + seg * 0.35, 0.5)))).astype(np.int32)
    closed = created + cycle
    today = int(created.max()) + 1 if today is None else today
    is_open = closed > today
    won = np.where(is_open, OPEN, won_draw).astype(np.int8)
    closed = np.where(is_open, OPEN, closed).astype(np.int32)
    # Stage k entered at created + cycle·k/4 (only entries on or before today are known).
    k = np.arange(4)
    hist_deal = np.repeat(np.arange(n, dtype=np.int32), 4)
    hist_day = (np.repeat(created, 4) + (np.repeat(cycle, 4) * np.tile(k, n)) // 4).astype(np.int32)
    hist_stage = np.tile(k, n).astype(np.int16)
    known = hist_day <= today
    # Close-date pushes: a third of deals push once or twice, at random days of their cycle.
    pushes = rng.choice(3, n, p=[0.67, 0.23, 0.10])
    push_deal = np.repeat(np.arange(n, dtype=np.int32), pushes)
    push_day = (np.repeat(created, pushes) + rng.random(pushes.sum()) * np.repeat(cycle, pushes)).astype(
        np.int32
    )
    pk = push_day <= today
    partner = np.flatnonzero(src == 2).astype(np.int32)
    table = DealTable(
        ids=np.arange(1, n + 1, dtype=np.int64),
        owner=owner,
        account=rng.integers(0, max(1, n // 4), n).astype(np.int32),
        created=created,
        closed=closed,
        won=won,
        amount=amount,
        stages=STAGES,
        hist_deal=hist_deal[known],
        hist_day=hist_day[known],
        hist_stage=hist_stage[known],
        categoricals={
            "segment": np.array(SEGMENTS, dtype=object)[seg],
            "lead_source": np.array(SOURCES, dtype=object)[src],
        },
        push_deal=push_deal[pk],
        push_day=push_day[pk],
        partner_deal=partner,
        partner_day=created[partner],
    )
    return table, p


def realised_cycle(table: DealTable) -> np.ndarray:
    """Created → closed days of the closed deals (for checks)."""
    mask = table.won >= 0
    return (table.closed[mask] - table.created[mask]).astype(np.int32)
