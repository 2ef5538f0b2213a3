"""Period analytics reads: totals per posting period, one period by partner and role, seals."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum
from django.http import Http404

from attribution.models import AttributionPeriodSeal
from attribution.selectors.ledger import period_seals
from attribution.selectors.visible import entry_list
from revops.models import FiscalPeriod, Membership
from revops.money import quantize_money

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class PeriodRow:
    period: FiscalPeriod
    entries: int
    amount: Decimal
    seal: AttributionPeriodSeal | None


def period_rows(*, membership: Membership) -> list[PeriodRow]:
    """Every period of the organization with its posted entries and, when closed, its seal."""
    periods = list(
        FiscalPeriod.objects.filter(organization_id=membership.organization_id).order_by("start_date")
    )
    totals = {
        r["period_id"]: r
        for r in entry_list(membership=membership)
        .order_by()
        .values("period_id")
        .annotate(n=Count("id"), amount=Sum("amount"))
    }
    seals = period_seals(membership=membership, period_ids=[p.pk for p in periods if p.is_closed])
    return [
        PeriodRow(
            p,
            totals.get(p.pk, {}).get("n", 0),
            quantize_money(totals.get(p.pk, {}).get("amount") or ZERO),
            seals.get(p.pk) if p.is_closed else None,
        )
        for p in periods
    ]


@dataclass(frozen=True)
class PeriodList:
    """The period list as the page shows it: `rows`, and before them the `earlier` collapsed."""

    rows: list[PeriodRow]
    earlier: list[PeriodRow]  # closed, empty periods before the first period with entries


def period_list_split(rows: list[PeriodRow], *, today: dt.date) -> PeriodList:
    """Collapse the closed periods without entries that come before the first one with entries.

    Periods are created from the first deal on, years before the ledger's first entry; the
    list starts where the entries do. Open periods and the one holding today are always shown.
    """
    first_active = next((i for i, r in enumerate(rows) if r.entries), len(rows))
    shown, earlier = [], []
    for index, row in enumerate(rows):
        period = row.period
        current = period.start_date <= today <= period.end_date
        if index < first_active and not row.entries and period.is_closed and not current:
            earlier.append(row)
        else:
            shown.append(row)
    return PeriodList(shown, earlier)


def period_get(*, membership: Membership, pk: int) -> FiscalPeriod:
    period = FiscalPeriod.objects.filter(organization_id=membership.organization_id, pk=pk).first()
    if period is None:
        raise Http404
    return period


def previous_period(period: FiscalPeriod) -> FiscalPeriod | None:
    return (
        FiscalPeriod.objects.filter(organization_id=period.organization_id, start_date__lt=period.start_date)
        .order_by("-start_date")
        .first()
    )


def period_partner_role_totals(*, membership: Membership, periods: list[FiscalPeriod]) -> list[dict]:
    """Rows of (period_id, partner_id, partner__name, role, amount) for the given posting periods."""
    return list(
        entry_list(membership=membership)
        .filter(period_id__in=[p.pk for p in periods])
        .order_by()
        .values("period_id", "partner_id", "partner__name", "role")
        .annotate(amount=Sum("amount"))
        .order_by("period_id", "partner__name", "role")
    )
