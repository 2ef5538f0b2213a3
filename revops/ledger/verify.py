"""Verify one ledger of one organization: chain, keys, head row, period seals and totals."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from revops.ledger.chain import GENESIS_HASH, UNKNOWN_KEY, ChainBreak, entry_body, ledger_keys, link_hash
from revops.ledger.spec import LedgerSpec, ledger_spec_of
from revops.models import LedgerHead, Organization
from revops.money import quantize_money

BASE_READ = ("sequence", "prev_hash", "hash", "key_id", "period_id", "kind", "corrects_id", "amount")
CHUNK = 5000


@dataclass(frozen=True)
class LedgerReport:
    """The outcome of a verification: `problem` is None when the ledger is intact."""

    ledger: str
    entries: int
    seals: int
    problem: ChainBreak | None

    @property
    def ok(self) -> bool:
        return self.problem is None


class _Walk:
    """One pass over the entries in sequence order, checking each link as it goes."""

    def __init__(self, spec: LedgerSpec, organization: Organization):
        self.spec = spec
        self.organization = organization
        self.count = 0
        self.last_sequence = 0
        self.last_hash = GENESIS_HASH
        self.totals: Counter = Counter()
        self.totals_count: Counter = Counter()

    def run(self) -> ChainBreak | None:
        spec = self.spec
        keys = ledger_keys()
        columns = (*BASE_READ, *spec.fields)
        total_at = [columns.index(name) for name in spec.totals_fields]
        texts = spec.texts
        org = self.organization.pk
        rows = (
            spec.entry_model.objects.filter(organization_id=org)
            .order_by("sequence")
            .values_list(*columns)
            .iterator(chunk_size=CHUNK)
        )
        expected = 1
        prev = GENESIS_HASH
        for row in rows:
            sequence, prev_hash, stored, key_id, period, kind, corrects, amount = row[:8]
            self.count += 1
            if sequence != expected:
                return ChainBreak(expected, f"sequence {expected} is missing (next found: {sequence})")
            if prev_hash != prev:
                return ChainBreak(sequence, "prev_hash does not match the previous entry's hash")
            key = keys.get(key_id)
            if key is None:
                return ChainBreak(sequence, UNKNOWN_KEY.format(key_id=key_id))
            body = entry_body(
                key_id, org, sequence, period, kind, corrects, f"{amount:.2f}", texts(row[8:])[0]
            )
            if link_hash(key, prev_hash, body) != stored:
                return ChainBreak(
                    sequence, "hash does not match the entry's fields and key (altered or forged)"
                )
            if total_at:
                total_key = tuple(row[i] for i in total_at)
                self.totals[total_key] += int(amount.scaleb(2))
                self.totals_count[total_key] += 1
            prev = stored
            expected += 1
        self.last_sequence, self.last_hash = expected - 1, prev
        return None

    def head_problem(self) -> ChainBreak | None:
        head = LedgerHead.objects.filter(organization=self.organization, ledger=self.spec.name).first()
        if head is None:
            if self.count:
                return ChainBreak(self.last_sequence, "the ledger has entries but no head row")
            return None
        if head.last_sequence != self.last_sequence or head.last_hash != self.last_hash:
            return ChainBreak(
                min(head.last_sequence, self.last_sequence) or 1,
                f"the head row (#{head.last_sequence}) does not match the last entry (#{self.last_sequence})",
            )
        return None

    def totals_problem(self) -> ChainBreak | None:
        spec = self.spec
        if spec.totals_model is None:
            return None
        stored = {
            tuple(row[:-2]): (row[-2], row[-1])
            for row in spec.totals_model.objects.filter(organization=self.organization).values_list(
                *spec.totals_fields, "entries", "amount_cents"
            )
        }
        computed = {k: (self.totals_count[k], self.totals[k]) for k in self.totals_count}
        stored = {k: v for k, v in stored.items() if v != (0, 0)}
        if stored != computed:
            wrong = sorted(set(stored.items()) ^ set(computed.items()), key=str)[0][0]
            return ChainBreak(
                self.last_sequence or 1,
                f"the totals table disagrees with the entries for {dict(zip(spec.totals_fields, wrong, strict=True))}",
            )
        return None


def entry_hash(entry) -> str:
    """The keyed hash an entry instance should carry, from its fields and its key id."""
    spec = ledger_spec_of(type(entry))
    key = ledger_keys()[entry.key_id]
    own = spec.texts([getattr(entry, name) for name in spec.fields])[0]
    body = entry_body(
        entry.key_id,
        entry.organization_id,
        entry.sequence,
        entry.period_id,
        entry.kind,
        entry.corrects_id,
        f"{Decimal(entry.amount):.2f}",
        own,
    )
    return link_hash(key, entry.prev_hash, body)


def _seal_problems(spec: LedgerSpec, organization: Organization) -> list[ChainBreak]:
    problems = []
    latest: dict = {}
    for seal in spec.seal_model.objects.filter(organization=organization).order_by("sealed_at", "id"):
        latest[seal.period_id] = seal  # a period closed again after a reopen: the last seal counts
    entries_of = spec.entry_model.objects.filter(organization=organization)
    for period_id, seal in latest.items():
        entries = entries_of.filter(period_id=period_id)
        late = entries.filter(sequence__gt=seal.last_sequence).order_by("sequence").first()
        if late is not None:
            problems.append(
                ChainBreak(late.sequence, f"entry posted in period {period_id} after it was sealed")
            )
        if seal.last_sequence:
            head = entries_of.filter(sequence=seal.last_sequence).values_list("hash", flat=True).first()
            if head != seal.last_hash:
                problems.append(
                    ChainBreak(seal.last_sequence, f"the seal of period {period_id} names a different entry")
                )
        elif seal.last_hash != GENESIS_HASH:
            problems.append(ChainBreak(1, f"the seal of period {period_id} is malformed"))
        amounts = list(entries.filter(sequence__lte=seal.last_sequence).values_list("amount", flat=True))
        total = quantize_money(sum(amounts, Decimal("0")))
        if len(amounts) != seal.entry_count or total != seal.total_amount:
            first = entries.order_by("sequence").values_list("sequence", flat=True).first() or 1
            problems.append(
                ChainBreak(first, f"period {period_id} no longer matches its seal (entry count or total)")
            )
    return problems


def ledger_verify(*, spec: LedgerSpec, organization: Organization) -> LedgerReport:
    """Check every entry's sequence, prev_hash link and keyed hash, then head, seals and totals.

    A chain break is exact about where the ledger was altered, so it wins; the other problems
    (a well-formed entry slipped into a closed period, a head or totals row that disagrees)
    are reported, lowest sequence first, when the chain holds.
    """
    walk = _Walk(spec, organization)
    problem = walk.run()
    if problem is None:
        # On a tie the more specific finding is named: seals, head, side tables, then totals.
        others = [*_seal_problems(spec, organization), walk.head_problem()]
        if spec.extra_checks is not None:
            others += spec.extra_checks(organization)
        others.append(walk.totals_problem())
        problem = min((p for p in others if p is not None), key=lambda p: p.sequence, default=None)
    seals = spec.seal_model.objects.filter(organization=organization).count()
    return LedgerReport(ledger=spec.name, entries=walk.count, seals=seals, problem=problem)
