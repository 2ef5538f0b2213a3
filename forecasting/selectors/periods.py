"""Forecast periods: calendar months and fiscal quarters from a day on."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from revops.models import Organization


@dataclass(frozen=True)
class Period:
    label: str
    grain: str  # "month" | "quarter"
    start: dt.date
    end: dt.date  # exclusive


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _add_months(day: dt.date, k: int) -> dt.date:
    m = day.month - 1 + k
    return dt.date(day.year + m // 12, m % 12 + 1, 1)


def forecast_months(organization: Organization, day: dt.date, count: int) -> list[Period]:
    """The month of ``day`` and the ``count - 1`` after it."""
    first = month_start(day)
    return [
        Period(f"{_add_months(first, k):%b %Y}", "month", _add_months(first, k), _add_months(first, k + 1))
        for k in range(count)
    ]


def quarter_of(organization: Organization, day: dt.date) -> Period:
    """The fiscal quarter holding ``day`` (fiscal years start in the organization's month)."""
    fy_month = organization.fiscal_year_start_month
    offset = (day.month - fy_month) % 12
    start = _add_months(month_start(day), -(offset % 3))
    fiscal_year = day.year + (1 if fy_month > 1 and day.month >= fy_month else 0)
    return Period(f"FY{fiscal_year} Q{offset // 3 + 1}", "quarter", start, _add_months(start, 3))


def forecast_quarters(organization: Organization, day: dt.date, count: int) -> list[Period]:
    out = [quarter_of(organization, day)]
    while len(out) < count:
        out.append(quarter_of(organization, out[-1].end))
    return out
