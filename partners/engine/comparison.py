"""Deals with a partner against comparable deals without one: matched pairs, not a raw difference.

Pure computation on plain values (no ORM); `partners.selectors.analytics` reads the closed deals
in one query and hands them here.

**Strata.** Two deals are comparable when they share the account's segment, the product line
and the size band of the amount (`SIZE_BANDS`: under 10,000; 10,000 to under 50,000; 50,000 to
under 250,000; 250,000 and over). Matching is exact on the three; a deal missing one of them
cannot be matched and counts as unmatched.

**Pairs.** Inside each stratum, partner deals are taken by amount (then id) and each is paired
with the not-yet-used deal without a partner whose amount is nearest (ties: the smaller amount,
then the lower id) — nearest-neighbour matching without replacement. A stratum forms
min(partner deals, deals without a partner) pairs; the rest of the larger side is unmatched.
The same deals always give the same pairs.

**Win rate.** Over the pairs, the difference of win rates (partner minus no partner) is
(b − c) / n, where b is the pairs only the partner deal won and c those only the other deal
won. Its 95 % interval is Newcombe's hybrid score interval for paired proportions (method 10
of Newcombe 1998, Wilson intervals of each rate joined with the pairs' phi correlation, its
cross-product reduced by n/2 when positive), which stays inside [−1, 1] and is sound for small
n, unlike the Wald interval.

**Cycle time.** Days from creation to close of each deal; over the pairs, the mean of the
differences (partner minus no partner) with a 95 % Student-t interval (n − 1 degrees of
freedom; none for a single pair, whose spread is unknown).

No pairs: no estimate and no interval (never a zero that reads like "no difference").
"""

from __future__ import annotations

import bisect
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from scipy.stats import t as student_t

CONFIDENCE = 0.95
Z_95 = 1.959963984540054  # the standard normal's 97.5th percentile
# (label, lower bound inclusive): a deal's band is the last whose bound its amount reaches.
SIZE_BANDS: tuple[tuple[str, Decimal], ...] = (
    ("under 10k", Decimal("0")),
    ("10k–50k", Decimal("10000")),
    ("50k–250k", Decimal("50000")),
    ("250k and over", Decimal("250000")),
)


@dataclass(frozen=True)
class ClosedDeal:
    """One closed deal as the comparison needs it."""

    deal_id: int
    partnered: bool
    segment: str
    product_line_id: int | None
    amount: Decimal
    won: bool
    cycle_days: int


@dataclass(frozen=True)
class Interval:
    estimate: float
    low: float | None
    high: float | None


@dataclass(frozen=True)
class PairCounts:
    """Paired outcomes: both won, only the partner deal, only the other deal, neither."""

    both: int = 0
    partner_only: int = 0
    other_only: int = 0
    neither: int = 0

    @property
    def n(self) -> int:
        return self.both + self.partner_only + self.other_only + self.neither


@dataclass(frozen=True)
class Comparison:
    pairs: int
    strata: int  # strata that formed at least one pair
    unmatched_partner: int
    unmatched_other: int
    counts: PairCounts
    partner_win_rate: float | None
    other_win_rate: float | None
    win_rate_difference: Interval | None
    partner_cycle_days: float | None
    other_cycle_days: float | None
    cycle_days_difference: Interval | None
    pair_ids: tuple[tuple[int, int], ...]  # (partner deal, other deal), for drill-down and tests


def size_band(amount: Decimal) -> str:
    label = SIZE_BANDS[0][0]
    for name, bound in SIZE_BANDS:
        if amount >= bound:
            label = name
    return label


def stratum(deal: ClosedDeal) -> tuple[str, int, str] | None:
    if not deal.segment or deal.product_line_id is None or deal.amount < 0:
        return None
    return (deal.segment, deal.product_line_id, size_band(deal.amount))


def match_pairs(deals: Iterable[ClosedDeal]) -> tuple[list[tuple[ClosedDeal, ClosedDeal]], int, int, int]:
    """(pairs, strata with pairs, unmatched partner deals, unmatched other deals)."""
    groups: dict[tuple, tuple[list[ClosedDeal], list[ClosedDeal]]] = defaultdict(lambda: ([], []))
    unmatched_partner = unmatched_other = 0
    for deal in deals:
        key = stratum(deal)
        if key is None:
            if deal.partnered:
                unmatched_partner += 1
            else:
                unmatched_other += 1
            continue
        groups[key][0 if deal.partnered else 1].append(deal)
    pairs: list[tuple[ClosedDeal, ClosedDeal]] = []
    strata = 0
    for key in sorted(groups):
        partnered, others = groups[key]
        partnered.sort(key=lambda d: (d.amount, d.deal_id))
        others.sort(key=lambda d: (d.amount, d.deal_id))
        amounts = [d.amount for d in others]
        formed = 0
        for deal in partnered:
            if not others:
                break
            i = bisect.bisect_left(amounts, deal.amount)
            # The nearest amount is at i or just below it; on a tie the smaller amount wins.
            candidates = [j for j in (i - 1, i) if 0 <= j < len(others)]
            best = min(candidates, key=lambda j: (abs(amounts[j] - deal.amount), amounts[j]))
            # Several deals of that amount: the lowest id among them, the first in the sort.
            best = bisect.bisect_left(amounts, amounts[best])
            pairs.append((deal, others.pop(best)))
            amounts.pop(best)
            formed += 1
        strata += 1 if formed else 0
        unmatched_partner += len(partnered) - formed
        unmatched_other += len(others)
    return pairs, strata, unmatched_partner, unmatched_other


def wilson(successes: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval of a proportion."""
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def paired_difference_interval(counts: PairCounts, z: float = Z_95) -> Interval | None:
    """Newcombe's method 10 interval of p1 − p2 for paired proportions (None without pairs)."""
    a, b, c, d = counts.both, counts.partner_only, counts.other_only, counts.neither
    n = counts.n
    if n == 0:
        return None
    p1, p2 = (a + b) / n, (a + c) / n
    l1, u1 = wilson(a + b, n, z)
    l2, u2 = wilson(a + c, n, z)
    denominator = (a + b) * (c + d) * (a + c) * (b + d)
    # Newcombe's phi* : a positive a·d − b·c is reduced by n/2 (never below 0), a negative one kept.
    cross = a * d - b * c
    corrected = max(0.0, cross - n / 2) if cross > 0 else float(cross)
    phi = corrected / math.sqrt(denominator) if denominator else 0.0
    dl = math.sqrt(max(0.0, (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2))
    du = math.sqrt(max(0.0, (u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2))
    estimate = p1 - p2
    return Interval(estimate, max(-1.0, estimate - dl), min(1.0, estimate + du))


def mean_difference_interval(differences: list[int]) -> Interval | None:
    """Mean of paired differences with a Student-t interval (no interval for one pair)."""
    n = len(differences)
    if n == 0:
        return None
    mean = sum(differences) / n
    if n == 1:
        return Interval(mean, None, None)
    variance = sum((x - mean) ** 2 for x in differences) / (n - 1)
    half = float(student_t.ppf((1 + CONFIDENCE) / 2, n - 1)) * math.sqrt(variance / n)
    return Interval(mean, mean - half, mean + half)


def compare(deals: Iterable[ClosedDeal]) -> Comparison:
    """Matched-pair comparison of closed deals with a partner against those without one."""
    pairs, strata, unmatched_partner, unmatched_other = match_pairs(deals)
    counts = PairCounts(
        both=sum(1 for p, o in pairs if p.won and o.won),
        partner_only=sum(1 for p, o in pairs if p.won and not o.won),
        other_only=sum(1 for p, o in pairs if o.won and not p.won),
        neither=sum(1 for p, o in pairs if not p.won and not o.won),
    )
    n = len(pairs)
    return Comparison(
        pairs=n,
        strata=strata,
        unmatched_partner=unmatched_partner,
        unmatched_other=unmatched_other,
        counts=counts,
        partner_win_rate=(counts.both + counts.partner_only) / n if n else None,
        other_win_rate=(counts.both + counts.other_only) / n if n else None,
        win_rate_difference=paired_difference_interval(counts),
        partner_cycle_days=sum(p.cycle_days for p, _ in pairs) / n if n else None,
        other_cycle_days=sum(o.cycle_days for _, o in pairs) / n if n else None,
        cycle_days_difference=mean_difference_interval([p.cycle_days - o.cycle_days for p, o in pairs]),
        pair_ids=tuple((p.deal_id, o.deal_id) for p, o in pairs),
    )
