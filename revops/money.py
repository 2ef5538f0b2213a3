"""Money helpers: Decimal with 2 places, and largest-remainder splitting."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def quantize_money(value: Decimal | int | float | str) -> Decimal:
    """Round to cents, half up (the accounting convention)."""
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def split_exact(total: Decimal, weights: Sequence[Decimal | float]) -> list[Decimal]:
    """Split `total` (cents) in proportion to `weights`; parts sum exactly to `total`.

    Largest-remainder: floor every share to the cent, then hand the leftover cents to the
    shares with the largest remainders (ties go to the earlier share, so it is deterministic).
    """
    total = quantize_money(total)
    parts = [Decimal(str(w)) for w in weights]
    weight_sum = sum(parts, Decimal(0))
    if not parts:
        return []
    if weight_sum == 0:
        return [Decimal("0.00") for _ in parts]
    cents = int(total / CENT)
    raw = [Decimal(cents) * w / weight_sum for w in parts]
    floors = [int(r // 1) for r in raw]
    left = cents - sum(floors)
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - floors[i]), i))
    for i in order[: max(left, 0)]:
        floors[i] += 1
    return [Decimal(f) * CENT for f in floors]
