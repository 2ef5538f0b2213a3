"""Fiscal periods seen from the ledger: where an entry is posted, and sealing on close."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Sum

from attribution.locks import lock_ledger
from attribution.models import AttributionEntry, AttributionPeriodSeal
from revops.ledger import GENESIS_HASH
from revops.models import FiscalPeriod, Organization
from revops.services.periods import first_open_period, periods_ensure


class PeriodResolver:
    """Answers, for a revenue date, its own period and the period an entry for it is posted in.

    A revenue date in an open period posts there; one in a closed period posts in the first
    open period after it (created when none exists yet). Caches per month, so one recompute
    asks the database once per month, not once per event.
    """

    def __init__(self, organization: Organization):
        self.organization = organization
        self._by_month: dict[dt.date, FiscalPeriod] = {}
        self._posting: dict[dt.date, FiscalPeriod] = {}

    def revenue_period(self, day: dt.date) -> FiscalPeriod:
        month = day.replace(day=1)
        period = self._by_month.get(month)
        if period is None:
            periods_ensure(organization=self.organization, start=month, end=month)
            period = FiscalPeriod.objects.get(organization=self.organization, start_date=month)
            self._by_month[month] = period
        return period

    def posting_period(self, day: dt.date) -> FiscalPeriod:
        month = day.replace(day=1)
        period = self._posting.get(month)
        if period is None:
            own = self.revenue_period(day)
            period = own if not own.is_closed else self._first_open_after(own)
            self._posting[month] = period
        return period

    def _first_open_after(self, closed: FiscalPeriod) -> FiscalPeriod:
        period = first_open_period(organization=self.organization, on_or_after=closed.start_date)
        if period is not None:
            return period
        latest = FiscalPeriod.objects.filter(organization=self.organization).order_by("-start_date").first()
        next_month = (latest.end_date + dt.timedelta(days=1)).replace(day=1)
        periods_ensure(organization=self.organization, start=next_month, end=next_month)
        return FiscalPeriod.objects.get(organization=self.organization, start_date=next_month)


def attribution_period_seal_hook(period: FiscalPeriod, actor) -> AttributionPeriodSeal:
    """Record the ledger's chain head, entry count and total for a period being closed.

    Runs inside period_close's transaction, under the ledger lock, so no entry can be posted
    between reading the head and the period turning closed.
    """
    lock_ledger(organization_id=period.organization_id)
    head = (
        AttributionEntry.objects.filter(organization_id=period.organization_id)
        .order_by("-sequence")
        .values("sequence", "hash")
        .first()
    )
    totals = AttributionEntry.objects.filter(
        organization_id=period.organization_id, period_id=period.pk
    ).aggregate(n=Count("id"), total=Sum("amount"))
    return AttributionPeriodSeal.objects.create(
        organization_id=period.organization_id,
        period=period,
        last_sequence=head["sequence"] if head else 0,
        last_hash=head["hash"] if head else GENESIS_HASH,
        entry_count=totals["n"] or 0,
        total_amount=totals["total"] or Decimal("0.00"),
        sealed_by=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
    )
