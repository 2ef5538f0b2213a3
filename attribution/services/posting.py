"""Append entries to the attribution ledger: sequence, hash chain, period lock.

Rounding rule: for one revenue event, the partners' shares together receive
quantize_money(amount × Σ percent / 100) (half up, to the cent); that total is then divided in
proportion to the percents with revops.money.split_exact (largest remainder, ties to the
earlier partner in (partner id, role) order). So the entries of an event always sum exactly
to the rounded attributed total, never a cent more or less.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from attribution.locks import lock_ledger
from attribution.models import AttributionEntry
from attribution.models.ledger import canonical_values_of
from revops.exceptions import ApplicationError
from revops.ledger import GENESIS_HASH, chain_hash
from revops.models import FiscalPeriod, Organization
from revops.money import quantize_money, split_exact

HUNDRED = Decimal("100")
# 3,000 rows per INSERT: large enough that round trips do not dominate, small enough that one
# statement (17 columns × 3,000 = 51,000 values) stays under PostgreSQL's 65,535 bind
# parameters. The chain is hashed in Python while the rows are built, so nothing is read back.
POST_BATCH_SIZE = 3000

POSTING_PERIOD_CLOSED = "Period {period} is closed; entries go to the first open period."


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
    reverses_id: int | None = None
    rule_version_id: int | None = None
    explanation: dict = field(default_factory=dict)


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


def _refuse_closed_period(period_id: int, organization: Organization) -> None:
    # Safe to read without a row lock: period_close seals under the same ledger lock we hold.
    period = FiscalPeriod.objects.get(pk=period_id, organization=organization)
    if period.is_closed:
        raise ApplicationError(POSTING_PERIOD_CLOSED.format(period=period))


@transaction.atomic
def ledger_post(
    *,
    organization: Organization,
    lines: Iterable[EntryLine],
    actor=None,
    batch_size: int = POST_BATCH_SIZE,
) -> int:
    """Append `lines` to the organization's ledger in order; returns how many were posted.

    Takes the ledger lock, continues the hash chain from the current head, refuses any line
    for a closed period, and writes with bulk INSERTs of `batch_size` rows.
    """
    lock_ledger(organization_id=organization.pk)
    head = (
        AttributionEntry.objects.filter(organization=organization)
        .order_by("-sequence")
        .values_list("sequence", "hash")
        .first()
    )
    sequence, prev_hash = head if head else (0, GENESIS_HASH)
    created_by = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    checked_periods: set[int] = set()
    batch: list[AttributionEntry] = []
    posted = 0
    for line in lines:
        if line.period_id not in checked_periods:
            _refuse_closed_period(line.period_id, organization)
            checked_periods.add(line.period_id)
        sequence += 1
        amount = quantize_money(line.amount)
        values = canonical_values_of(
            organization_id=organization.pk,
            sequence=sequence,
            revenue_event_id=line.revenue_event_id,
            partner_id=line.partner_id,
            role=line.role,
            scope=line.scope,
            split_percent=line.split_percent,
            amount=amount,
            kind=line.kind,
            reverses_id=line.reverses_id,
            period_id=line.period_id,
            revenue_period_id=line.revenue_period_id,
            rule_version_id=line.rule_version_id,
            explanation=line.explanation,
        )
        digest = chain_hash(prev_hash, values)
        batch.append(
            AttributionEntry(
                organization_id=organization.pk,
                sequence=sequence,
                revenue_event_id=line.revenue_event_id,
                partner_id=line.partner_id,
                role=line.role,
                scope=line.scope,
                split_percent=line.split_percent,
                amount=amount,
                kind=line.kind,
                reverses_id=line.reverses_id,
                period_id=line.period_id,
                revenue_period_id=line.revenue_period_id,
                rule_version_id=line.rule_version_id,
                explanation=line.explanation,
                prev_hash=prev_hash,
                hash=digest,
                created_by=created_by,
            )
        )
        prev_hash = digest
        if len(batch) >= batch_size:
            AttributionEntry.objects.bulk_create(batch, batch_size=batch_size)
            posted += len(batch)
            batch = []
    if batch:
        AttributionEntry.objects.bulk_create(batch, batch_size=batch_size)
        posted += len(batch)
    return posted
