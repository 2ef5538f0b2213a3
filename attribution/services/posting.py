"""Append entries to the attribution ledger: sequence, hash chain, period lock.

Rounding rule: for one revenue event, the partners' shares together receive
quantize_money(amount × Σ percent / 100) (half up, to the cent); that total is then divided in
proportion to the percents with revops.money.split_exact (largest remainder, ties to the
earlier partner in (partner id, role) order). So the entries of an event always sum exactly
to the rounded attributed total, never a cent more or less.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import numpy as np
from django.db import transaction

from attribution.credits import ShareInput, split_amounts  # noqa: F401 (re-exported)
from attribution.locks import lock_ledger
from attribution.models import AttributionEntry
from attribution.services.ledger_writer import POSTING_PERIOD_CLOSED, Row, ledger_rows_append  # noqa: F401 (re-exported)
from revops.models import Organization
from revops.money import quantize_money

HUNDRED = Decimal("100")


@dataclass(frozen=True, slots=True)
class EntryLine:
    """One entry to post, before it has a sequence and a hash."""

    revenue_event_id: int
    partner_id: int
    role: str
    scope: str
    split_percent: Decimal
    amount: Decimal
    period_id: int
    revenue_period_id: int
    kind: str = AttributionEntry.Kind.ORIGINAL
    corrects_id: int | None = None
    rule_version_id: int | None = None
    explanation: dict = field(default_factory=dict)


def split_cents(cents: int, weights: Sequence[int], weight_sum: int) -> list[int] | None:
    """`split_amounts` in integer cents, for percents given in hundredths (12.50 % → 1250).

    Same rule, computed exactly: the attributed total is cents × Σ / 10,000 rounded half up
    (away from zero), then split by largest remainder. Returns None when two remainders tie
    across the cut-off, the one case where split_amounts' Decimal arithmetic decides the
    order: the caller then uses split_amounts itself.
    """
    scaled = cents * weight_sum
    attributed, rest = divmod(abs(scaled), 10_000)
    if rest * 2 >= 10_000:
        attributed += 1
    if not weight_sum:
        return [0] * len(weights)
    if scaled < 0:
        # Decimal's // truncates toward zero and no cent is handed out below zero.
        return [-((attributed * w) // weight_sum) for w in weights]
    floors = []
    remainders = []
    for w in weights:
        q, r = divmod(attributed * w, weight_sum)
        floors.append(q)
        remainders.append(r)
    left = attributed - sum(floors)
    if left <= 0:
        return floors
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    if left < len(order) and remainders[order[left - 1]] == remainders[order[left]]:
        tied = remainders[order[left]]
        tied_weights = [w for w, r in zip(weights, remainders, strict=True) if r == tied]
        if not _ties_exact(attributed, weights, weight_sum, tied_weights, tied):
            return None
    for i in order[:left]:
        floors[i] += 1
    return floors


# Past this many cents the int64 products of split_cents_many could overflow: Python ints then.
NUMPY_CENTS_LIMIT = 10**12
# Below this many amounts numpy's per-call overhead costs more than the Python loop saves.
NUMPY_MIN_ROWS = 64


def split_cents_many(cents: Sequence[int], weights: Sequence[int], weight_sum: int) -> list[list[int] | None]:
    """`split_cents` for many amounts sharing one set of weights, vectorised with numpy.

    Same rule and the same exact integer arithmetic (int64; amounts beyond NUMPY_CENTS_LIMIT
    go through `split_cents`), so every answer is `split_cents`'s; None for the rows where
    `split_cents` itself would defer to the Decimal rule (a remainder tie across the cut-off
    between unequal weights), which `split_cents` then settles.
    """
    n = len(cents)
    if not n:
        return []
    if not weight_sum:
        return [[0] * len(weights) for _ in range(n)]
    if n < NUMPY_MIN_ROWS:
        return [split_cents(x, weights, weight_sum) for x in cents]
    try:
        c = np.array(cents, dtype=np.int64)
    except OverflowError:
        c = None
    if c is None or np.abs(c).max() >= NUMPY_CENTS_LIMIT:
        return [split_cents(int(x), weights, weight_sum) for x in cents]
    w = np.asarray(weights, dtype=np.int64)
    scaled = np.abs(c) * weight_sum
    attributed, rest = np.divmod(scaled, 10_000)
    attributed += rest * 2 >= 10_000
    products = attributed[:, None] * w[None, :]
    floors, remainders = np.divmod(products, weight_sum)
    negative = c < 0
    floors[negative] = -floors[negative]  # Decimal's // truncates toward zero; no cent below zero
    left = np.where(negative, 0, attributed - floors.sum(axis=1))
    order = np.argsort(-remainders, axis=1, kind="stable")  # largest remainder, earlier share first
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(len(weights))[None, :], axis=1)
    result = floors + (rank < left[:, None])
    # A tie across the cut-off: the last share given a cent and the first not given one have
    # equal remainders; split_cents decides whether Decimal arithmetic keeps it a tie.
    k = len(weights)
    inside = (left > 0) & (left < k)
    ties = np.zeros(n, dtype=bool)
    if inside.any():
        sorted_rem = np.take_along_axis(remainders, order, axis=1)
        idx = np.clip(left, 1, k - 1)
        ties = inside & (
            np.take_along_axis(sorted_rem, (idx - 1)[:, None], axis=1)[:, 0]
            == np.take_along_axis(sorted_rem, idx[:, None], axis=1)[:, 0]
        )
    out: list[list[int] | None] = result.tolist()
    for i in np.flatnonzero(ties).tolist():
        out[i] = split_cents(int(c[i]), weights, weight_sum)
    return out


def split_cents_rows(
    cents: np.ndarray, weights: np.ndarray, counts: np.ndarray
) -> tuple[np.ndarray, list[int]]:
    """`split_cents` for many amounts at once, each with its own weights; (amounts, undecided rows).

    `weights` holds one row per amount, its `counts[i]` weights first and zeros after (padding);
    the answer has the same shape, zeros in the padding. Same rule and exact integer arithmetic
    as `split_cents` (int64; amounts beyond NUMPY_CENTS_LIMIT and remainder ties across the
    cut-off go through `split_cents` row by row). `undecided` lists the rows `split_cents`
    itself leaves to the Decimal rule (their amounts here are zeros): the caller settles them
    with `split_amounts`.
    """
    n, k = weights.shape
    out = np.zeros((n, k), dtype=np.int64)
    if not n or not k:
        return out, []
    c = np.asarray(cents, dtype=np.int64)
    w = np.asarray(weights, dtype=np.int64)
    weight_sum = w.sum(axis=1)
    huge = np.abs(c) >= NUMPY_CENTS_LIMIT
    divisor = np.where(weight_sum == 0, 1, weight_sum)
    attributed, rest = np.divmod(np.where(huge, 0, np.abs(c)) * weight_sum, 10_000)
    attributed += rest * 2 >= 10_000
    attributed[weight_sum == 0] = 0
    floors, remainders = np.divmod(attributed[:, None] * w, divisor[:, None])
    negative = c < 0
    floors[negative] = -floors[negative]  # Decimal's // truncates toward zero; no cent below zero
    left = np.where(negative, 0, attributed - floors.sum(axis=1))
    padding = np.arange(k)[None, :] >= counts[:, None]
    remainders[padding] = -1  # never ahead of a real share
    order = np.argsort(-remainders, axis=1, kind="stable")  # largest remainder, earlier share first
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(k)[None, :], axis=1)
    out[:] = floors + (rank < left[:, None])
    inside = (left > 0) & (left < counts)
    redo = huge.copy()
    if inside.any():
        sorted_rem = np.take_along_axis(remainders, order, axis=1)
        idx = np.clip(left, 1, k - 1)
        tied = np.take_along_axis(sorted_rem, idx[:, None], axis=1)[:, 0]
        tie = inside & (np.take_along_axis(sorted_rem, (idx - 1)[:, None], axis=1)[:, 0] == tied)
        # A tie between equal weights is a tie in Decimal too (the earlier share wins, as here);
        # only ties between unequal weights need split_cents' exactness check.
        in_tie = (remainders == tied[:, None]) & ~padding
        big = np.iinfo(np.int64).max
        unequal = np.where(in_tie, w, -1).max(axis=1) != np.where(in_tie, w, big).min(axis=1)
        redo |= tie & unequal
    undecided = []
    for i in np.flatnonzero(redo).tolist():
        size = int(counts[i])
        row = [int(x) for x in w[i, :size]]
        got = split_cents(int(c[i]), row, sum(row))
        out[i] = 0
        if got is None:
            undecided.append(i)
        else:
            out[i, :size] = got
    return out, undecided


def _ties_exact(
    attributed: int, weights: Sequence[int], weight_sum: int, tied: list[int], remainder: int
) -> bool:
    """Whether split_amounts' Decimal quotients keep a remainder tie a tie (earlier share wins).

    Equal weights give equal quotients; otherwise the quotients must be exact in Decimal: a
    terminating fraction (denominator of only 2s and 5s) with few enough digits.
    """
    if len(set(tied)) == 1:
        return True
    if attributed * max(weights) >= 10**20:
        return False
    denominator = weight_sum // math.gcd(remainder, weight_sum)
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    return denominator == 1


def _rows(lines: Iterable[EntryLine]) -> Iterator[Row]:
    for line in lines:
        yield (
            line.revenue_event_id,
            line.partner_id,
            str(line.role),
            str(line.scope),
            f"{Decimal(line.split_percent):.2f}",
            int(quantize_money(line.amount).scaleb(2)),
            str(line.kind),
            line.corrects_id,
            line.period_id,
            line.revenue_period_id,
            line.rule_version_id,
            line.explanation,
        )


@transaction.atomic
def ledger_post(
    *,
    organization: Organization,
    lines: Iterable[EntryLine],
    actor=None,
    use_copy: bool | None = None,
) -> int:
    """Append `lines` to the organization's ledger in order; returns how many were posted.

    Takes the ledger lock, continues the keyed hash chain from the head row, refuses any line
    for a closed period or citing another organization's rows, and writes with COPY on
    PostgreSQL (bulk INSERTs elsewhere; see revops.ledger.writer).
    """
    lock_ledger(organization_id=organization.pk)
    created_by = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return ledger_rows_append(
        organization_id=organization.pk,
        rows=_rows(lines),
        created_by_id=created_by.pk if created_by is not None else None,
        use_copy=use_copy,
    )
