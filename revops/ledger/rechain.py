"""Chain a ledger's entries anew, a batch at a time: entries restored from a backup.

A restored entry cites new ids (its organization, period, correction and own references), so
its keyed hash must be computed again. `Rechain` does it in the ledger's sequence order under
this installation's current key, with the writer's linker (`chain_linker`: HMAC's key states
computed once, not per entry), a whole batch per call; the caller writes the batch with its
bulk writer and, after the last one, `finish` rebuilds the head row. `SourceChain` checks a
run of entries as the source wrote them, under the keys this installation holds, so an entry
edited in a file is found before anything is chained anew.

Nothing here checks periods: a restore brings back history, closed periods included, and a
closed period's seal is restored pointing at the new hash at its sequence.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import NamedTuple

from revops.ledger.chain import GENESIS_HASH, Linker, chain_linker, current_key, ledger_keys
from revops.ledger.spec import LedgerSpec
from revops.models import LedgerHead

OUT_OF_ORDER = "sequence {found} where {expected} was expected"


class ChainedEntry(NamedTuple):
    """One entry's base fields as the hash covers them, and its own fields in spec order."""

    sequence: int
    period_id: int
    kind: str
    corrects_id: int | None
    amount: Decimal
    own: Sequence[object]


class Link(NamedTuple):
    key_id: str
    prev_hash: str
    hash: str


class Rechain:
    """The chain of one ledger of one organization, built anew from sequence 1."""

    def __init__(self, *, spec: LedgerSpec, organization_id: int) -> None:
        self.spec = spec
        self.organization_id = organization_id
        self.key_id, key = current_key()
        self.link: Linker = chain_linker(key, self.key_id, organization_id)
        self.last_sequence = 0
        self.last_hash = GENESIS_HASH

    def batch(self, entries: Sequence[ChainedEntry]) -> list[Link]:
        """Each entry's (key id, prev_hash, hash), chained after the previous batch."""
        texts, link, key_id = self.spec.texts, self.link, self.key_id
        sequence, prev = self.last_sequence, self.last_hash
        links = []
        for entry in entries:
            sequence += 1
            if entry.sequence != sequence:
                raise ValueError(OUT_OF_ORDER.format(found=entry.sequence, expected=sequence))
            digest = link(
                prev,
                sequence,
                entry.period_id,
                entry.kind,
                entry.corrects_id,
                f"{entry.amount:.2f}",
                texts(entry.own)[0],
            )
            links.append(Link(key_id, prev, digest))
            prev = digest
        self.last_sequence, self.last_hash = sequence, prev
        return links

    def finish(self) -> LedgerHead | None:
        """The head row of the chain just written (none for an empty ledger)."""
        if not self.last_sequence:
            return None
        return LedgerHead.objects.create(
            organization_id=self.organization_id,
            ledger=self.spec.name,
            last_sequence=self.last_sequence,
            last_hash=self.last_hash,
        )


class SourceChain:
    """Checks entries as another organization (the backup's source) chained them.

    `check` returns the problem of one entry (None when it holds). An entry sealed with a key
    this installation does not hold cannot be checked: `checked` turns False and the entry's
    own prev_hash link is still followed.
    """

    def __init__(self, *, spec: LedgerSpec, organization_id: int) -> None:
        self.spec = spec
        self.organization_id = organization_id
        self.keys = ledger_keys()
        self.linkers: dict[str, Linker] = {}
        self.expected = 1
        self.prev = GENESIS_HASH
        self.checked = True

    def check(self, entry: ChainedEntry, key_id: str, prev_hash: str, digest: str) -> str | None:
        if entry.sequence != self.expected:
            return OUT_OF_ORDER.format(found=entry.sequence, expected=self.expected)
        if prev_hash != self.prev:
            return "prev_hash"
        link = self.linkers.get(key_id)
        if link is None and key_id in self.keys:
            link = self.linkers[key_id] = chain_linker(self.keys[key_id], key_id, self.organization_id)
        if link is None:
            self.checked = False
        elif (
            link(
                prev_hash,
                entry.sequence,
                entry.period_id,
                entry.kind,
                entry.corrects_id,
                f"{entry.amount:.2f}",
                self.spec.texts(entry.own)[0],
            )
            != digest
        ):
            return "hash"
        self.prev = digest
        self.expected += 1
        return None
