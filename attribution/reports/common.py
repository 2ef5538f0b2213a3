"""What the attribution reports share: the period and its predecessor, words for the reader."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from revops.formatting import format_money
from revops.models import Membership
from revops.permissions import Kind, Scope, scope_for
from revops.reports.kit import Report
from revops.selectors.periods import DateRange, PeriodChoice, add_months, period_range

SCOPE_WORDS = {
    Scope.OWN: "sees their own deals only",
    Scope.TEAM: "sees their team's deals",
    Scope.ORGANIZATION: "sees the whole organization",
    Scope.PARTNER: "sees their partner's records",
}


def months_between(dates: DateRange) -> int:
    assert dates.start is not None and dates.end is not None
    return (dates.end.year - dates.start.year) * 12 + dates.end.month - dates.start.month + 1


def previous_range(dates: DateRange) -> DateRange | None:
    """The range of as many months just before `dates`; None for all time."""
    if dates.start is None or dates.end is None:
        return None
    start = add_months(dates.start, -months_between(dates))
    return DateRange(start, dates.start - dt.timedelta(days=1))


def day_words(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


def range_words(dates: DateRange | None) -> str:
    if dates is None or dates.start is None or dates.end is None:
        return "all time"
    return f"{day_words(dates.start)} – {day_words(dates.end)}"


def period_words(period: str, dates: DateRange) -> str:
    label = PeriodChoice(period).label
    if dates.start is None:
        return str(label)
    return f"{label} ({range_words(dates)})"


def member_words(membership: Membership) -> str:
    user = membership.user
    name = user.get_full_name() or user.email
    scope = scope_for(membership, Kind.OPPORTUNITY)
    return f"{name}, {membership.get_role_display().lower()} ({SCOPE_WORDS.get(scope, 'sees nothing')})"


def money(value: Decimal, currency: str) -> str:
    return format_money(value, currency, exact=True)


def change_words(current: Decimal, previous: Decimal | None, currency: str) -> str:
    """ "up 12.5% on the previous period ($1,000.00)" and the like."""
    if previous is None:
        return "with no earlier period to compare with"
    if not previous:
        return "against nothing in the previous period"
    change = ((current - previous) * 100 / abs(previous)).quantize(Decimal("0.1"))
    direction = "up" if change > 0 else "down" if change < 0 else "unchanged"
    amount = f" {abs(change)}%" if change else ""
    return f"{direction}{amount} on the previous period ({money(previous, currency)})"


def new_report(
    *, key: str, title: str, subtitle: str, membership: Membership, filename_stem: str, today: dt.date
) -> Report:
    organization = membership.organization
    return Report(
        key=key,
        title=title,
        subtitle=subtitle,
        organization_name=organization.name,
        currency=organization.currency,
        prepared_for=member_words(membership),
        generated_at=timezone.now(),
        filename=f"{filename_stem}-{today:%Y-%m-%d}",
    )


def dates_for(membership: Membership, period: str, today: dt.date) -> DateRange:
    return period_range(membership.organization, period, today)
