"""Per-partner ledger figures of a whole organization over trailing windows, for programs
that rank partners (tiers, health). Organization-wide and set-based: one aggregate query over
the attribution ledger for every partner at once, whatever the number of partners.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Max, Q, Sum

from attribution.models import AttributionEntry
from revops.models import Organization
from revops.money import quantize_money

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class PartnerLedgerFigures:
    """One partner's attributed revenue per trailing window (days → amount), the distinct deals
    credited in `deals_window`, and the latest revenue date credited to it (within the longest window)."""

    revenue: dict[int, Decimal] = field(default_factory=dict)
    deals: int = 0
    last_revenue_date: dt.date | None = None


def partner_ledger_figures(
    *,
    organization: Organization,
    today: dt.date,
    windows: Iterable[int],
    deals_window: int,
    partner_ids: list[int] | None = None,
) -> dict[int, PartnerLedgerFigures]:
    """Figures per partner id: the ledger's amounts (corrections included, so reversals net out)
    by revenue date in each window `today - days + 1 … today`, in one aggregate query
    (all partners, or only `partner_ids`)."""
    days = sorted({int(d) for d in windows} | {int(deals_window)})
    if not days:
        return {}
    start = {d: today - dt.timedelta(days=d - 1) for d in days}
    aggregates = {f"w{d}": Sum("amount", filter=Q(revenue_event__date__gte=start[d])) for d in days} | {
        "deals": Count(
            "revenue_event__opportunity_id",
            filter=Q(revenue_event__date__gte=start[deals_window]),
            distinct=True,
        ),
        "last": Max("revenue_event__date"),
    }
    rows = (
        AttributionEntry.objects.filter(
            organization_id=organization.pk,
            revenue_event__date__gte=start[days[-1]],
            revenue_event__date__lte=today,
        )
        .filter(**({"partner_id__in": partner_ids} if partner_ids is not None else {}))
        .order_by()
        .values("partner_id")
        .annotate(**aggregates)
    )
    return {
        row["partner_id"]: PartnerLedgerFigures(
            revenue={d: quantize_money(row[f"w{d}"] or ZERO) for d in days},
            deals=row["deals"] or 0,
            last_revenue_date=row["last"],
        )
        for row in rows
    }
