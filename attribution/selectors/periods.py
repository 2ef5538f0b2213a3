"""Period analytics reads: totals per posting period, one period by partner and role, seals.

The page and its export read the same things: `period_rows` (every period), the period asked
for (`period_selected`) and its detail (`period_detail`: by partner and role, movement since
the previous period).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Sum
from django.http import Http404

from attribution.analytics import movement_counts, partner_role_breakdown, period_movement
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
    later: list[PeriodRow] = field(default_factory=list)  # empty periods after the current one


def period_list_split(rows: list[PeriodRow], *, today: dt.date) -> PeriodList:
    """Collapse the periods without entries before the first one with entries and after today.

    Periods are created from the first deal on, years before the ledger's first entry, and up
    to the last expected close, months ahead; the list shows where the entries are. Open
    periods before today and the one holding today are always shown.
    """
    first_active = next((i for i, r in enumerate(rows) if r.entries), len(rows))
    shown, earlier, later = [], [], []
    for index, row in enumerate(rows):
        period = row.period
        current = period.start_date <= today <= period.end_date
        if index < first_active and not row.entries and period.is_closed and not current:
            earlier.append(row)
        elif period.start_date > today and not row.entries:
            later.append(row)
        else:
            shown.append(row)
    return PeriodList(shown, earlier, later)


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


def period_selected(
    *, membership: Membership, rows: list[PeriodRow], wanted: str | None
) -> FiscalPeriod | None:
    """The period asked for (`?period=<id>`, 404 outside the organization); by default the
    latest period with entries, else the last period."""
    if wanted and wanted.isdigit():
        return period_get(membership=membership, pk=int(wanted))
    with_entries = [r.period for r in rows if r.entries]
    return with_entries[-1] if with_entries else (rows[-1].period if rows else None)


@dataclass(frozen=True)
class PeriodDetail:
    """One period as its page shows it: by partner and role, and movement since the previous."""

    period: FiscalPeriod
    previous: FiscalPeriod | None
    row: PeriodRow
    breakdown_columns: list[str]  # the roles present, then "total"
    breakdown: list[tuple[str, list[Decimal]]]  # (partner name, amounts in column order)
    movement: list[dict]  # partner, previous, current, change, status
    movement_counts: dict[str, int]


def period_detail(*, membership: Membership, period: FiscalPeriod, rows: list[PeriodRow]) -> PeriodDetail:
    """`period` by partner and role and against the previous period (one aggregate query)."""
    previous = previous_period(period)
    totals = period_partner_role_totals(
        membership=membership, periods=[p for p in (period, previous) if p is not None]
    )
    breakdown = partner_role_breakdown(totals, period.pk)
    columns = [c for c in breakdown.columns if c not in ("partner_id", "partner")]
    movement = period_movement(totals, period.pk, previous.pk if previous else None)
    return PeriodDetail(
        period=period,
        previous=previous,
        row=next(r for r in rows if r.period.pk == period.pk),
        breakdown_columns=columns,
        breakdown=[(r["partner"], [r[c] for c in columns]) for r in breakdown.to_dict("records")],
        movement=movement.to_dict("records"),
        movement_counts=movement_counts(movement),
    )
