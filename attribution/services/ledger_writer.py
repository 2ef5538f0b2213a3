"""Append rows to the attribution ledger through the ledger kit (revops.ledger.writer).

Postings build rows as plain tuples: `Row` (explanations as dicts; `ledger_rows_append`
stores each distinct explanation once with `explanations_intern` and converts the rows), or,
in recompute's hot path, `EntryRow` directly in the kit's layout with the explanations
already stored (`ExplanationIds`, `ledger_entry_rows_append`). Chaining, keys, reference
checks, COPY, the head row and the totals table are the kit's.
"""

from __future__ import annotations

from collections.abc import Iterable

from attribution.models import AttributionExplanation
from attribution.models.ledger import ATTRIBUTION_LEDGER
from revops.ledger.chain import cents_text as cents_text
from revops.ledger.chain import content_mac, current_key
from revops.ledger.writer import POSTING_PERIOD_CLOSED, UNKNOWN_REFERENCE, ledger_append

__all__ = [
    "POSTING_PERIOD_CLOSED",
    "UNKNOWN_REFERENCE",
    "EntryRow",
    "ExplanationIds",
    "Row",
    "explanations_intern",
    "ledger_entry_rows_append",
    "ledger_rows_append",
]

# (revenue_event_id, partner_id, role, scope, split_percent as "12.50", amount in cents (int),
#  kind, corrects_id | None, period_id, revenue_period_id, rule_version_id | None, explanation)
Row = tuple[int, int, str, str, str, int, str, int | None, int, int, int | None, dict]
# The kit's layout (revops.ledger.spec.LedgerRow with ATTRIBUTION_LEDGER.fields): (period_id,
#  kind, corrects_id | None, amount in cents, revenue_event_id, partner_id, role, scope,
#  split_percent as "12.50", revenue_period_id, rule_version_id | None, explanation row id)
EntryRow = tuple[int, str, int | None, int, int, int, str, str, str, int, int | None, int]


def explanations_intern(*, organization_id: int, explanations: Iterable[dict]) -> dict[int, int]:
    """Store each distinct explanation once; returns {id(dict): explanation row id}.

    Rows share explanation dicts (one per rule outcome), so they are told apart by identity
    first and by content digest second; existing rows of the organization are reused. Runs
    under the ledger lock (no two postings create the same digest at once).
    """
    key_id, key = current_key()
    by_identity: dict[int, dict] = {}
    for explanation in explanations:
        by_identity.setdefault(id(explanation), explanation)
    digests = {ident: content_mac(key, content) for ident, content in by_identity.items()}
    known = dict(
        AttributionExplanation.objects.filter(
            organization_id=organization_id, digest__in=set(digests.values())
        ).values_list("digest", "pk")
    )
    missing = {digest: by_identity[ident] for ident, digest in digests.items() if digest not in known}
    if missing:
        AttributionExplanation.objects.bulk_create(
            AttributionExplanation(organization_id=organization_id, digest=d, key_id=key_id, content=c)
            for d, c in missing.items()
        )
        known.update(
            AttributionExplanation.objects.filter(
                organization_id=organization_id, digest__in=list(missing)
            ).values_list("digest", "pk")
        )
    return {ident: known[digest] for ident, digest in digests.items()}


class ExplanationIds:
    """Explanation row ids of explanation dicts, stored on first sight; for rows built as `EntryRow`.

    Recompute's shares hold one dict per rule outcome, reused by every event of a deal: they
    are stored once per recompute (not once per posting slice) and each row cites the id.
    The dicts seen are kept, so an identity is never reused by another dict meanwhile.
    """

    def __init__(self, organization_id: int):
        self.organization_id = organization_id
        self._ids: dict[int, int] = {}
        self._seen: list[dict] = []
        self._content: dict[int, dict] = {}

    def store(self, explanations: Iterable[dict]) -> None:
        """Store the explanations not seen yet (one round of queries for all of them)."""
        new = [e for e in explanations if id(e) not in self._ids]
        if not new:
            return
        ids = explanations_intern(organization_id=self.organization_id, explanations=new)
        for explanation in new:
            self._seen.append(explanation)
            self._content.setdefault(ids[id(explanation)], explanation)
        self._ids.update(ids)

    def id_of(self, explanation: dict) -> int:
        return self._ids[id(explanation)]

    def content(self, pk: int) -> dict:
        """The explanation stored as `pk` (one this object stored)."""
        return self._content[pk]


def ledger_entry_rows_append(
    *,
    organization_id: int,
    rows: list[EntryRow],
    created_by_id: int | None = None,
) -> int:
    """Chain and write rows already in the kit's layout (`EntryRow`); returns how many."""
    if not rows:
        return 0
    return ledger_append(
        spec=ATTRIBUTION_LEDGER, organization_id=organization_id, rows=rows, created_by_id=created_by_id
    )


def ledger_rows_append(
    *,
    organization_id: int,
    rows: Iterable[Row],
    created_by_id: int | None = None,
    use_copy: bool | None = None,
) -> int:
    """Chain and write `rows` after the attribution ledger's head; returns how many.

    Runs in the caller's transaction (the kit takes the ledger lock if the caller has not).
    `use_copy` defaults to "on PostgreSQL"; tests force either path to prove both hash alike.
    """
    rows = rows if isinstance(rows, list) else list(rows)
    if not rows:
        return 0
    ids = explanations_intern(organization_id=organization_id, explanations=(r[11] for r in rows))
    kit_rows = [
        (
            period,
            kind,
            corrects,
            cents,
            event,
            partner,
            role,
            scope,
            percent,
            revenue_period,
            version,
            ids[id(why)],
        )
        for (
            event,
            partner,
            role,
            scope,
            percent,
            cents,
            kind,
            corrects,
            period,
            revenue_period,
            version,
            why,
        ) in rows
    ]
    return ledger_append(
        spec=ATTRIBUTION_LEDGER,
        organization_id=organization_id,
        rows=kit_rows,
        created_by_id=created_by_id,
        use_copy=use_copy,
    )
