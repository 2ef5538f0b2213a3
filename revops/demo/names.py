"""Company names for demo records: "Word Suffix", then "Word Qualifier Suffix"; never numbered
while the lists last (tens of thousands of names), so a demo reads like a real customer list."""

from __future__ import annotations

import random
from collections.abc import Sequence

PAIR_ATTEMPTS = 8


def company_name(
    rng: random.Random,
    *,
    words: Sequence[str],
    qualifiers: Sequence[str],
    suffixes: Sequence[str],
    used: set[str],
) -> str:
    """A name not in `used` (the caller adds it): a random pair first, then a random triple.

    Only when every triple is taken (more names than words × qualifiers × suffixes) does a
    number tell two companies apart.
    """
    for _ in range(PAIR_ATTEMPTS):
        name = f"{rng.choice(words)} {rng.choice(suffixes)}"
        if name not in used:
            return name
    for _ in range(PAIR_ATTEMPTS):
        name = f"{rng.choice(words)} {rng.choice(qualifiers)} {rng.choice(suffixes)}"
        if name not in used:
            return name
    base, number = name, 2
    while f"{base} {number}" in used:
        number += 1
    return f"{base} {number}"
