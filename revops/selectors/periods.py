"""Reporting periods: "today" in the organization's time zone, fiscal quarters and years."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import models
from django.utils import timezone

from revops.models import Organization


class PeriodChoice(models.TextChoices):
    THIS_QUARTER = "this_quarter", "This quarter"
    LAST_QUARTER = "last_quarter", "Last quarter"
    THIS_FISCAL_YEAR = "this_fiscal_year", "This fiscal year"
    LAST_12_MONTHS = "last_12_months", "Last 12 months"
    ALL = "all", "All time"


DEFAULT_PERIOD = PeriodChoice.LAST_12_MONTHS


@dataclass(frozen=True)
class DateRange:
    """Inclusive [start, end]; both None means unbounded (all time)."""

    start: dt.date | None
    end: dt.date | None

    @property
    def bounded(self) -> bool:
        return self.start is not None and self.end is not None


def organization_today(organization: Organization, now: dt.datetime | None = None) -> dt.date:
    """Today's date where the organization is (UTC when its time zone is unknown)."""
    zone: dt.tzinfo
    try:
        zone = ZoneInfo(organization.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = dt.UTC
    return (now or timezone.now()).astimezone(zone).date()


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month `months` after the month of `day`."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def fiscal_quarter_range(organization: Organization, today: dt.date, offset: int = 0) -> DateRange:
    """The fiscal quarter containing `today`, or `offset` quarters before/after it."""
    months_into_year = (today.month - organization.fiscal_year_start_month) % 12
    quarter_start = add_months(today, -(months_into_year % 3) + 3 * offset)
    return DateRange(quarter_start, add_months(quarter_start, 3) - dt.timedelta(days=1))


def fiscal_year_range(organization: Organization, today: dt.date) -> DateRange:
    months_into_year = (today.month - organization.fiscal_year_start_month) % 12
    year_start = add_months(today, -months_into_year)
    return DateRange(year_start, add_months(year_start, 12) - dt.timedelta(days=1))


def period_range(organization: Organization, period: str, today: dt.date) -> DateRange:
    """The dates a named period covers; last 12 months = this month and the 11 before it."""
    if period == PeriodChoice.THIS_QUARTER:
        return fiscal_quarter_range(organization, today)
    if period == PeriodChoice.LAST_QUARTER:
        return fiscal_quarter_range(organization, today, offset=-1)
    if period == PeriodChoice.THIS_FISCAL_YEAR:
        return fiscal_year_range(organization, today)
    if period == PeriodChoice.LAST_12_MONTHS:
        return DateRange(add_months(today, -11), today)
    return DateRange(None, None)
