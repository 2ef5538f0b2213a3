"""Append rows to the attribution ledger through the ledger kit (revops.ledger.writer).

Recompute builds rows as plain tuples (`Row`); this module stores each distinct explanation
once (`explanations_intern`) and hands the kit rows that cite it by id. Chaining, keys,
reference checks, COPY, the head row and the totals table are the kit's.
"""

from __future__ import annotations

from collections.abc import Iterable

from attribution.models import AttributionExplanation
from attribution.models.ledger import ATTRIBUTION_LEDGER
from revops.ledger.chain import cents_text as cents_text
from revops.ledger.chain import content_mac, current_key
from revops.ledger.writer import POSTING_PERIOD_CLOSED, UNKNOWN_REFERENCE, ledger_append

__all__ = ["POSTING_PERIOD_CLOSED", "UNKNOWN_REFERENCE", "Row", "explanations_intern", "ledger_rows_append"]

# (revenue_event_id, partner_id, role, scope, split_percent as "12.50", amount in cents (int),
#  kind, corrects_id | None, period_id, revenue_period_id, rule_version_id | None, explanation)
Row = tuple[int, int, str, str, str, int, str, int | None, int, int, int | None, dict]


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
