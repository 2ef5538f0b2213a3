"""Partner results per deal for one posting period: what the Salesforce push-back sends.

Registered as the core's `attribution_results` provider. Amounts are the sum of the period's
ledger entries for the deal, partner and role (reversals and adjustments netted), so a closed
period — which takes no new entries — gives the same figures on every read. The split is the
latest original posting's; a result whose entries net to zero reports split 0 and amount 0.
Entries of revenue without a deal (account-level revenue) are not per-deal results.
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Max, Q, Sum

from attribution.models import AttributionEntry
from revops.ledger.models import EntryKind
from revops.models import Organization
from revops.providers import AttributionResult

ZERO = Decimal("0.00")


def attribution_results_for_period(organization: Organization, *, period_id: int) -> list[AttributionResult]:
    """One result per (deal, partner, role) with entries posted in the period (two queries)."""
    rows = list(
        AttributionEntry.objects.filter(
            organization=organization, period_id=period_id, revenue_event__opportunity__isnull=False
        )
        .order_by()
        .values("revenue_event__opportunity_id", "partner_id", "role")
        .annotate(
            amount=Sum("amount"),
            last=Max("sequence", filter=Q(kind=EntryKind.ORIGINAL)),
        )
        .order_by("revenue_event__opportunity_id", "partner_id", "role")
    )
    splits = dict(
        AttributionEntry.objects.filter(
            organization=organization, sequence__in=[r["last"] for r in rows if r["last"] is not None]
        ).values_list("sequence", "split_percent")
    )
    results = []
    for row in rows:
        amount = row["amount"] or ZERO
        split = splits.get(row["last"], ZERO) if amount else ZERO
        results.append(
            AttributionResult(
                opportunity_id=row["revenue_event__opportunity_id"],
                partner_id=row["partner_id"],
                role=row["role"],
                split_percent=split,
                amount=amount,
            )
        )
    return results
