"""Reads the integration API needs: per-deal explanations and ledger totals."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum

from attribution.engine import explain_text
from attribution.models import AttributionEntry
from attribution.selectors.splits import deal_split_results
from revops.models import Opportunity

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class PartnerExplanation:
    """One partner's split of a deal as the engine computes it now, and why."""

    link_id: int
    partner_id: int
    partner_name: str
    role: str
    percent: Decimal
    allowed: bool
    source: str
    rule: dict | None
    caps: list[dict]
    considered: list[dict]
    notes: list[str]
    text: str


def opportunity_explanations(*, opportunity: Opportunity) -> list[PartnerExplanation]:
    """Run the split engine over one deal's active partner links with the current rules.

    The caller passes a deal it has already scoped to the member (visible_to); the facts are
    built as the ledger builds them (`deal_split_results`), in a fixed number of queries.
    """
    results = deal_split_results(deal=opportunity)
    return [_explained(r) for r in results]


def _explained(result) -> PartnerExplanation:
    e = result.explanation
    rule = None
    if e.rule_id is not None:
        rule = {"id": e.rule_id, "version": e.rule_version, "name": e.rule_name}
    return PartnerExplanation(
        link_id=result.link_id,
        partner_id=result.partner_id,
        partner_name=result.partner_name,
        role=str(result.role),
        percent=result.percent,
        allowed=result.allowed,
        source=str(e.source),
        rule=rule,
        caps=[{"what": c.what, "from": c.from_percent, "to": c.to_percent} for c in e.caps_applied],
        considered=[
            {
                "rule_id": c.rule_id,
                "version": c.rule_version,
                "name": c.rule_name,
                "matched": c.matched,
                "reason": c.reason,
            }
            for c in e.considered
        ],
        notes=list(e.notes),
        text=explain_text(result),
    )


@dataclass(frozen=True)
class PartnerTotal:
    partner_id: int
    partner_name: str
    entries: int
    total: Decimal


@dataclass(frozen=True)
class LedgerTotals:
    """Sum and count of a set of ledger entries, overall and per partner."""

    entries: int
    total: Decimal
    by_partner: list[PartnerTotal]


def ledger_totals(*, entries: QuerySet[AttributionEntry]) -> LedgerTotals:
    """Totals of already scoped and filtered entries, in two queries."""
    overall = entries.aggregate(n=Count("id"), total=Sum("amount"))
    rows = (
        entries.values("partner_id", "partner__name")
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by("partner__name", "partner_id")
    )
    return LedgerTotals(
        entries=overall["n"] or 0,
        total=overall["total"] or ZERO,
        by_partner=[PartnerTotal(r["partner_id"], r["partner__name"], r["n"], r["total"]) for r in rows],
    )
