"""The shape of one demo deal: outcome, dates, amounts and stage walk. Pure Python, no ORM.

The figures aim at what a B2B sales team sees: 20-30 % of closed deals won (higher for SMB
and referrals, lower for enterprise), 30-180 day cycles (longer for enterprise), log-normal
amounts by segment, and a spike of wins in the last two weeks of each fiscal quarter.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import random
from dataclasses import dataclass, field
from decimal import Decimal

from revops.demo.specs import ProductLineSpec
from revops.models.crm import OPEN_STAGES, Segment, Stage
from revops.money import quantize_money

# (low, high, mode) of the sales cycle in days, per segment.
CYCLE_DAYS: dict[str, tuple[int, int, int]] = {
    Segment.SMB: (30, 90, 45),
    Segment.MID_MARKET: (40, 140, 75),
    Segment.ENTERPRISE: (75, 180, 120),
}
MIN_CYCLE, MAX_CYCLE = 30, 180
# (median amount, sigma of its logarithm), per segment.
AMOUNTS: dict[str, tuple[int, float]] = {
    Segment.SMB: (9_000, 0.55),
    Segment.MID_MARKET: (38_000, 0.6),
    Segment.ENTERPRISE: (140_000, 0.7),
}
WIN_RATE: dict[str, float] = {Segment.SMB: 0.30, Segment.MID_MARKET: 0.25, Segment.ENTERPRISE: 0.19}
LEAD_SOURCE_WIN_DELTA = {
    "Partner referral": 0.06,
    "Customer referral": 0.08,
    "Paid search": -0.04,
    "Outbound": -0.03,
}
# Share of won / lost deals pulled into the last two weeks of their fiscal quarter.
QUARTER_END_PULL = {True: 0.45, False: 0.15}
# Share of deals past their planned close that are still open (slipped), not closed.
SLIP_RATE = 0.06
# How a closed deal's actual close compares with the close date expected while it was open:
# (share, fewest days, most days) closing later than expected, on time and earlier. Real
# pipelines slip more often than they pull in, and by more.
CLOSE_DRIFT = ((0.5, 7, 75), (0.3, -2, 2), (0.2, -30, -3))
MIN_EXPECTED_CYCLE = 14  # no deal is expected to close within two weeks of its creation
# Relative time spent in prospecting, qualification, proposal, negotiation.
DWELL_WEIGHTS = (0.15, 0.25, 0.35, 0.25)
# Where lost deals die: index of the last open stage reached.
LOST_AT_WEIGHTS = (0.3, 0.3, 0.25, 0.15)
# Deals created recently are this much more frequent than three years ago (the business grows).
GROWTH = 1.0


@dataclass
class DealPlan:
    """Everything about one opportunity except who and what it is sold to."""

    stage: str
    amount: Decimal
    created_date: dt.date
    expected_close_date: dt.date
    close_date: dt.date | None
    # (from stage, to stage, day, amount) in order; the last row's stage is `stage`.
    history: list[tuple[str, str, dt.date, Decimal]] = field(default_factory=list)


def fiscal_quarter_end(day: dt.date, fiscal_year_start_month: int) -> dt.date:
    """Last day of the fiscal quarter that contains `day`."""
    offset = (day.month - fiscal_year_start_month) % 12
    month_index = day.month - 1 + (2 - offset % 3)
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def pick_created_date(rng: random.Random, *, today: dt.date, history_days: int) -> dt.date:
    """A creation date in the last `history_days`, more likely the more recent (growth)."""
    while True:
        days_ago = rng.randint(1, history_days)
        if rng.random() * (1 + GROWTH) < 1 + GROWTH * (1 - days_ago / history_days):
            return today - dt.timedelta(days=days_ago)


def pick_expected_close(rng: random.Random, *, created: dt.date, close: dt.date) -> dt.date:
    """The close date a closed deal was expected on: earlier than its close when it slipped."""
    shares = [share for share, _, _ in CLOSE_DRIFT]
    _, fewest, most = rng.choices(CLOSE_DRIFT, weights=shares)[0]
    expected = close - dt.timedelta(days=rng.randint(fewest, most))
    return max(expected, created + dt.timedelta(days=MIN_EXPECTED_CYCLE))


def pick_amount(rng: random.Random, *, segment: str, line: ProductLineSpec) -> Decimal:
    median, sigma = AMOUNTS[segment]
    value = rng.lognormvariate(math.log(median * line.amount_factor), sigma)
    return quantize_money(max(500, round(value / 50) * 50))


def _boundaries(rng: random.Random, weights: tuple[float, ...], span: int) -> list[int]:
    """Day offsets, strictly increasing inside (0, span), of entering each stage after the first."""
    jittered = [w * rng.uniform(0.7, 1.3) for w in weights]
    total = sum(jittered)
    days, running = [], 0.0
    for w in jittered[:-1]:
        running += w
        days.append(round(span * running / total))
    for i, day in enumerate(days):  # keep one day between moves, and the last before `span`
        lowest = days[i - 1] + 1 if i else 1
        days[i] = min(max(day, lowest), span - (len(days) - i))
    return days


def _history(
    stages: list[str], start: dt.date, offsets: list[int], amounts: list[Decimal]
) -> list[tuple[str, str, dt.date, Decimal]]:
    days = [0, *offsets]
    rows = []
    for i, stage in enumerate(stages):
        rows.append((stages[i - 1] if i else "", stage, start + dt.timedelta(days=days[i]), amounts[i]))
    return rows


def plan_deal(
    rng: random.Random,
    *,
    segment: str,
    line: ProductLineSpec,
    lead_source: str,
    created: dt.date,
    today: dt.date,
    fiscal_year_start_month: int,
) -> DealPlan:
    """Decide outcome, dates, amounts and the stage walk of one deal created on `created`."""
    low, high, mode = CYCLE_DAYS[segment]
    cycle = min(MAX_CYCLE, max(MIN_CYCLE, round(rng.triangular(low, high, mode))))
    win_rate = WIN_RATE[segment] + line.win_delta + LEAD_SOURCE_WIN_DELTA.get(lead_source, 0.0)
    won = rng.random() < win_rate
    lost_at = 3 if won else rng.choices(range(4), weights=LOST_AT_WEIGHTS)[0]
    if not won:  # deals die sooner than they close
        cycle = max(MIN_CYCLE, round(cycle * rng.uniform(0.5, 1.0)))
    if rng.random() < QUARTER_END_PULL[won]:
        pulled = fiscal_quarter_end(created + dt.timedelta(days=cycle), fiscal_year_start_month)
        pulled -= dt.timedelta(days=rng.randint(0, 13))
        if MIN_CYCLE <= (pulled - created).days <= MAX_CYCLE:
            cycle = (pulled - created).days
    close = created + dt.timedelta(days=cycle)
    final = pick_amount(rng, segment=segment, line=line)
    first = quantize_money(max(500, round(float(final) * rng.uniform(0.75, 1.3) / 50) * 50))
    # The estimate firms up at the proposal: earlier stages carry the first guess.
    amounts = [first, first, final, final, final]
    elapsed = (today - created).days
    slipped = close < today and rng.random() < SLIP_RATE

    if close < today and not slipped:
        walked = list(OPEN_STAGES[: lost_at + 1])
        offsets = _boundaries(rng, DWELL_WEIGHTS[: lost_at + 1], cycle)
        closed_stage = Stage.CLOSED_WON if won else Stage.CLOSED_LOST
        walk_amounts = [*amounts[: lost_at + 1], final]
        history = _history([*walked, closed_stage], created, [*offsets, cycle], walk_amounts)
        expected = pick_expected_close(rng, created=created, close=close)
        return DealPlan(closed_stage, final, created, expected, close, history)

    if slipped:
        reached = rng.choice((2, 3))
        offsets = _boundaries(rng, DWELL_WEIGHTS[: reached + 1], elapsed)
        expected = today + dt.timedelta(days=rng.randint(7, 75))
    else:
        planned = _boundaries(rng, DWELL_WEIGHTS, cycle)
        offsets = [day for day in planned if day < elapsed]
        reached = len(offsets)
        expected = max(close, today + dt.timedelta(days=1))
    history = _history(list(OPEN_STAGES[: reached + 1]), created, offsets, amounts)
    return DealPlan(history[-1][1], history[-1][3], created, expected, None, history)
