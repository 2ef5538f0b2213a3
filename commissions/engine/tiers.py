"""What a window's cumulative commission base has earned, under each tier semantics.

All in Decimal and exact: `base` and `threshold` in currency units, rates in percent. The
commission of a month is what is due at its end minus what was due at the end of the month
before in the same window, so a window's months always add up to what its total earns, a
return claws back at the rate it falls in, and crossing the objective mid-month splits that
month's sales at the threshold (marginal) or tops up the whole window (retroactive).
"""

from __future__ import annotations

from decimal import Decimal

from commissions.engine.types import Semantics

HUNDRED = Decimal(100)
ZERO = Decimal(0)


def reached(base: Decimal, threshold: Decimal | None) -> bool:
    """Tier 2 is reached when there is an objective and the cumulative base is at or above it."""
    return threshold is not None and base >= threshold


def due(
    base: Decimal,
    threshold: Decimal | None,
    *,
    tier1_rate: Decimal,
    tier2_rate: Decimal,
    semantics: Semantics,
) -> tuple[Decimal, Decimal]:
    """(tier-1 part, tier-2 part) of what a window's cumulative `base` has earned.

    Without an objective everything earns tier 1 (nothing can be reached that was not set).
    Marginal: tier 1 up to the threshold, tier 2 above it. Retroactive: all of it at tier 2
    once the threshold is reached, else all at tier 1.
    """
    if threshold is None:
        return base * tier1_rate / HUNDRED, ZERO
    if semantics == Semantics.RETROACTIVE:
        if base >= threshold:
            return ZERO, base * tier2_rate / HUNDRED
        return base * tier1_rate / HUNDRED, ZERO
    below = min(base, threshold)
    above = max(base - threshold, ZERO)
    return below * tier1_rate / HUNDRED, above * tier2_rate / HUNDRED
