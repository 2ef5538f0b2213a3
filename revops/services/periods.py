"""Fiscal periods: create the months, close and reopen them (audited)."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from revops.exceptions import ApplicationError
from revops.models import FiscalPeriod, Organization
from revops.services.audit import audit_record

PERIOD_ALREADY_CLOSED = "Period {period} is already closed."
PERIOD_NOT_CLOSED = "Period {period} is open; only a closed period can be reopened."
PERIOD_EARLIER_OPEN = "Close {earlier} first: periods close in order."
PERIOD_LATER_CLOSED = "Reopen {later} first: periods reopen in reverse order."

# Called inside period_close's transaction with (period, actor), after the period is marked
# closed. Domain apps register here (in AppConfig.ready) so core never imports them.
PERIOD_CLOSE_HOOKS: list[Callable[[FiscalPeriod, object], None]] = []


def fiscal_year_and_quarter(organization: Organization, month_start: dt.date) -> tuple[int, int]:
    """Fiscal year (named for the year it ends in) and quarter of a calendar month."""
    start = organization.fiscal_year_start_month
    offset = (month_start.month - start) % 12
    quarter = offset // 3 + 1
    fiscal_year = month_start.year if start == 1 or month_start.month < start else month_start.year + 1
    return fiscal_year, quarter


@transaction.atomic
def periods_ensure(*, organization: Organization, start: dt.date, end: dt.date) -> int:
    """Create the monthly periods covering [start, end] that do not exist yet; idempotent."""
    existing = set(
        FiscalPeriod.objects.filter(organization=organization).values_list("start_date", flat=True)
    )
    month = start.replace(day=1)
    to_create = []
    while month <= end:
        if month not in existing:
            last_day = calendar.monthrange(month.year, month.month)[1]
            fy, fq = fiscal_year_and_quarter(organization, month)
            to_create.append(
                FiscalPeriod(
                    organization=organization,
                    start_date=month,
                    end_date=month.replace(day=last_day),
                    fiscal_year=fy,
                    fiscal_quarter=fq,
                )
            )
        month = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    FiscalPeriod.objects.bulk_create(to_create)
    return len(to_create)


def period_for_date(*, organization: Organization, day: dt.date) -> FiscalPeriod | None:
    return FiscalPeriod.objects.filter(organization=organization, start_date=day.replace(day=1)).first()


@transaction.atomic
def period_close(
    *, period: FiscalPeriod, actor, reason: str = "", closed_at: dt.datetime | None = None
) -> FiscalPeriod:
    """Close a period; earlier periods must already be closed. Closing twice is a no-op.

    `closed_at` back-dates the close (loading history, e.g. the demo data); default now.
    """
    # FOR NO KEY UPDATE: the close changes no key, so postings that reference the period (a
    # foreign-key check takes FOR KEY SHARE) are not blocked by it; blocking them here while
    # the seals below wait for the ledger they hold would deadlock.
    period = FiscalPeriod.objects.select_for_update(no_key=True).get(pk=period.pk)
    if period.is_closed:
        return period
    earlier_open = (
        FiscalPeriod.objects.filter(
            organization_id=period.organization_id,
            start_date__lt=period.start_date,
            status=FiscalPeriod.Status.OPEN,
        )
        .order_by("start_date")
        .first()
    )
    if earlier_open is not None:
        raise ApplicationError(PERIOD_EARLIER_OPEN.format(earlier=earlier_open))
    now = closed_at or timezone.now()
    updated = FiscalPeriod.objects.filter(pk=period.pk, status=FiscalPeriod.Status.OPEN).update(
        status=FiscalPeriod.Status.CLOSED,
        closed_at=now,
        closed_by=actor if actor and actor.is_authenticated else None,
    )
    if updated != 1:  # another process got there first
        period.refresh_from_db()
        return period
    period.refresh_from_db()
    for hook in PERIOD_CLOSE_HOOKS:
        hook(period, actor)
    audit_record(
        organization=period.organization,
        actor=actor,
        action="period.close",
        obj=period,
        before={"status": "open"},
        after={"status": "closed", "closed_at": now},
        reason=reason,
    )
    period.refresh_from_db()
    return period


@transaction.atomic
def period_reopen(*, period: FiscalPeriod, actor, reason: str) -> FiscalPeriod:
    """Reopen the latest closed period; a reason is required and audited."""
    if not reason.strip():
        raise ApplicationError("A reason is required to reopen a period.")
    period = FiscalPeriod.objects.select_for_update(no_key=True).get(pk=period.pk)
    if not period.is_closed:
        raise ApplicationError(PERIOD_NOT_CLOSED.format(period=period))
    later_closed = (
        FiscalPeriod.objects.filter(
            organization_id=period.organization_id,
            start_date__gt=period.start_date,
            status=FiscalPeriod.Status.CLOSED,
        )
        .order_by("-start_date")
        .first()
    )
    if later_closed is not None:
        raise ApplicationError(PERIOD_LATER_CLOSED.format(later=later_closed))
    before = {"status": "closed", "closed_at": period.closed_at, "closed_by": period.closed_by_id}
    FiscalPeriod.objects.filter(pk=period.pk).update(
        status=FiscalPeriod.Status.OPEN, closed_at=None, closed_by=None
    )
    audit_record(
        organization=period.organization,
        actor=actor,
        action="period.reopen",
        obj=period,
        before=before,
        after={"status": "open"},
        reason=reason,
    )
    period.refresh_from_db()
    return period


def first_open_period(*, organization: Organization, on_or_after: dt.date) -> FiscalPeriod | None:
    """The first open period starting on or after the month of `on_or_after`."""
    return (
        FiscalPeriod.objects.filter(
            organization=organization,
            status=FiscalPeriod.Status.OPEN,
            start_date__gte=on_or_after.replace(day=1),
        )
        .order_by("start_date")
        .first()
    )


def periods_ensure_ahead(*, organization: Organization, today: dt.date, months: int = 12) -> int:
    """Make sure monthly periods exist from the earliest one (or this month) to `months` ahead."""
    earliest = (
        FiscalPeriod.objects.filter(organization=organization)
        .order_by("start_date")
        .values_list("start_date", flat=True)
    ).first() or today.replace(day=1)
    end_month = today.replace(day=1)
    for _ in range(months):
        end_month = (end_month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return periods_ensure(organization=organization, start=earliest, end=end_month)


def periods_ensure_ahead_everywhere(*, months: int = 12) -> dict[str, int]:
    """Run `periods_ensure_ahead` for every organization on its own "today"; created per slug."""
    created = {}
    for organization in Organization.objects.order_by("pk"):
        today = timezone.localdate(timezone=ZoneInfo(organization.time_zone))
        created[organization.slug] = periods_ensure_ahead(
            organization=organization, today=today, months=months
        )
    return created
