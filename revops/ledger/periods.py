"""Where an entry is posted: a revenue date's own period, or the first open one after it."""

from __future__ import annotations

import datetime as dt

from revops.models import FiscalPeriod, Organization
from revops.services.periods import first_open_period, periods_ensure


class PeriodResolver:
    """Answers, for a date, its own period and the period an entry for it is posted in.

    A date in an open period posts there; one in a closed period posts in the first open
    period after it (created when none exists yet), so a closed period never changes. Caches
    per month: one posting asks the database once per month, not once per row.
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
        assert latest is not None  # `closed` is one of the organization's periods
        next_month = (latest.end_date + dt.timedelta(days=1)).replace(day=1)
        periods_ensure(organization=self.organization, start=next_month, end=next_month)
        return FiscalPeriod.objects.get(organization=self.organization, start_date=next_month)
