"""Verify an organization's ledger: the hash chain, then every period seal."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum

from attribution.models import AttributionEntry, AttributionPeriodSeal
from attribution.models.ledger import HASHED_FIELDS, canonical_values_of
from revops.ledger import GENESIS_HASH, ChainBreak, chain_verify
from revops.models import Organization
from revops.money import quantize_money

_FIELDS = ("prev_hash", "hash", *HASHED_FIELDS)  # HASHED_FIELDS starts with organization, sequence


@dataclass(frozen=True)
class LedgerReport:
    """The outcome of a verification: `problem` is None when the ledger is intact."""

    entries: int
    seals: int
    problem: ChainBreak | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def _chain_rows(organization: Organization) -> Iterator[tuple]:
    rows = (
        AttributionEntry.objects.filter(organization=organization)
        .order_by("sequence")
        .values_list(*_FIELDS)
        .iterator(chunk_size=5000)
    )
    for row in rows:
        fields = dict(zip(_FIELDS, row, strict=True))
        yield fields["sequence"], fields["prev_hash"], fields["hash"], canonical_values_of(**fields)


def _seal_problems(organization: Organization) -> list[ChainBreak]:
    problems = []
    latest: dict[int, AttributionPeriodSeal] = {}
    for seal in AttributionPeriodSeal.objects.filter(organization=organization).order_by("sealed_at", "id"):
        latest[seal.period_id] = seal  # a period closed again after a reopen: the last seal counts
    for period_id, seal in latest.items():
        entries = AttributionEntry.objects.filter(organization=organization, period_id=period_id)
        late = entries.filter(sequence__gt=seal.last_sequence).order_by("sequence").first()
        if late is not None:
            problems.append(
                ChainBreak(late.sequence, f"entry posted in period {period_id} after it was sealed")
            )
        if seal.last_sequence:
            head = AttributionEntry.objects.filter(
                organization=organization, sequence=seal.last_sequence
            ).first()
            if head is None or head.hash != seal.last_hash:
                problems.append(
                    ChainBreak(seal.last_sequence, f"the seal of period {period_id} names a different entry")
                )
        elif seal.last_hash != GENESIS_HASH:
            problems.append(ChainBreak(1, f"the seal of period {period_id} is malformed"))
        totals = entries.filter(sequence__lte=seal.last_sequence).aggregate(
            n=Count("id"), total=Sum("amount")
        )
        # quantized: SQLite sums decimals as floats (43725.3900000001 for 43725.39)
        total = quantize_money(totals["total"] or Decimal("0"))
        if totals["n"] != seal.entry_count or total != seal.total_amount:
            first = entries.order_by("sequence").values_list("sequence", flat=True).first() or 1
            problems.append(
                ChainBreak(first, f"period {period_id} no longer matches its seal (entry count or total)")
            )
    return problems


def ledger_verify(*, organization: Organization) -> LedgerReport:
    """Walk the chain in sequence order and check the period seals; report the first problem."""
    count = 0

    def counted() -> Iterator[tuple]:
        nonlocal count
        for row in _chain_rows(organization):
            count += 1
            yield row

    # A chain break is exact about where the ledger was altered, so it wins; seal problems
    # (a well-formed entry slipped into a closed period) are reported when the chain holds.
    first = chain_verify(counted())
    if first is None:
        first = min(_seal_problems(organization), key=lambda p: p.sequence, default=None)
    seals = AttributionPeriodSeal.objects.filter(organization=organization).count()
    return LedgerReport(entries=count, seals=seals, problem=first)
