"""How a revenue amount is split between partner shares, in cents: one rule for the ledger
postings, the deal page and rule previews.

For one revenue event, the shares together receive quantize_money(amount × Σ percent / 100)
(half up, to the cent); that total is divided in proportion to the percents with
revops.money.split_exact (largest remainder, ties to the earlier share), so the parts always
sum exactly to the rounded attributed total.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from revops.money import quantize_money, split_exact

HUNDRED = Decimal("100")


@dataclass(frozen=True, slots=True)
class ShareInput:
    """A partner's percent of one revenue event (what the splits say), before rounding."""

    partner_id: int
    role: str
    percent: Decimal


def split_amounts(amount: Decimal, shares: Sequence[ShareInput]) -> list[Decimal]:
    """The cents each share receives of `amount` (see the module docstring for the rule)."""
    if not shares:
        return []
    percents = [s.percent for s in shares]
    attributed = quantize_money(Decimal(amount) * sum(percents, Decimal(0)) / HUNDRED)
    return split_exact(attributed, percents)
