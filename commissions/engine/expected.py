"""Expected commission on open pipeline: each open deal × its win probability × what it would earn.

What a deal would earn is priced through the rep's plan as it stands: the commission line of
the rep × the deal's product line × the month the deal is expected to close (computed by
`compute_commissions` from the sales booked so far) gives the window's cumulative base, its
threshold, the rates and the semantics. Closing the deal alone would add its amount to that
base; its commission if won is what the window would then have earned minus what it has
earned (`tiers.due`), so a deal that takes the rep past the objective earns tier 2 on the
part above it (marginal) or lifts the whole window to tier 2 (retroactive, the true-up
included). Each deal is priced on its own, on top of booked sales only: two deals that would
both cross the objective each count the crossing (an estimate, not a forecast of the order
they close in). The expected commission is that amount × the probability, rounded to cents.
A deal whose rep has no plan for its product line and month is listed with no amount.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from commissions.engine.tiers import due, reached
from commissions.engine.types import CommissionLine

CENT = Decimal("0.01")


@dataclass(frozen=True, slots=True)
class OpenDeal:
    """An open deal of a rep: its amount (the commission base if won), line, month and probability."""

    opportunity_id: int
    rep_id: int
    product_line_id: int | None
    month: dt.date  # first day of the month it is expected to close
    amount: Decimal
    probability: Decimal  # 0..1
    source: str  # where the probability came from ("stage win rate", a model's name)


@dataclass(frozen=True, slots=True)
class ExpectedCommission:
    deal: OpenDeal
    if_won: Decimal | None  # what closing it would add to the rep's commission; None: no plan
    expected: Decimal | None  # if_won × probability
    tier_if_won: int | None  # the window's tier once the deal is added
    rate_note: str  # e.g. "5% to the objective, 8% above (marginal)"


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _note(line: CommissionLine) -> str:
    if line.window_objective is None:
        return f"{line.tier1_rate.normalize():f}% (no objective)"
    return (
        f"{line.tier1_rate.normalize():f}% to the objective, {line.tier2_rate.normalize():f}% "
        f"above ({line.semantics.value})"
    )


def expected_commissions(
    *, deals: Iterable[OpenDeal], lines: Sequence[CommissionLine]
) -> list[ExpectedCommission]:
    """Each deal's commission if won and its expected commission, in the order given."""
    by_key: dict[tuple[int, int | None, dt.date], CommissionLine] = {
        (line.rep_id, line.product_line_id, line.month): line for line in lines
    }
    out = []
    for deal in deals:
        line = by_key.get((deal.rep_id, deal.product_line_id, deal.month))
        if line is None or deal.product_line_id is None:
            out.append(
                ExpectedCommission(deal, None, None, None, "no plan covers this product line and month")
            )
            continue
        threshold = line.window_objective
        after_base = line.window_base + deal.amount
        before, after = (
            sum(
                due(
                    base,
                    threshold,
                    tier1_rate=line.tier1_rate,
                    tier2_rate=line.tier2_rate,
                    semantics=line.semantics,
                ),
                Decimal(0),
            )
            for base in (line.window_base, after_base)
        )
        if_won = _cents(after - before)
        out.append(
            ExpectedCommission(
                deal=deal,
                if_won=if_won,
                expected=_cents(if_won * deal.probability),
                tier_if_won=2 if reached(after_base, threshold) else 1,
                rate_note=_note(line),
            )
        )
    return out
