"""Demo fiscal periods: months covering the data, the older ones closed by finance in order."""

from __future__ import annotations

import datetime as dt

from django.db.models import Max, Min

from revops.demo.context import SeedContext
from revops.models import FiscalPeriod, Opportunity
from revops.services.periods import periods_ensure

OPEN_MONTHS = 2  # the current month and the two before it stay open
CLOSE_DELAY_DAYS = 5  # finance closes a month five days after it ends


def _months_back(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def seed_periods(ctx: SeedContext) -> dict[str, int]:
    """Create the monthly periods from the first deal to the last expected close; close old ones.

    Closing is written directly (not through `period_close`) so that the close dates are the
    historical ones, each month five days after it ended, which keeps the order of closing.
    """
    org = ctx.organization
    span = Opportunity.objects.filter(organization=org).aggregate(
        first=Min("created_date"), last=Max("expected_close_date")
    )
    start = span["first"] or ctx.today
    end = max(span["last"] or ctx.today, ctx.today)
    created = periods_ensure(organization=org, start=start, end=end)

    cutoff = _months_back(ctx.today, OPEN_MONTHS)
    closer = ctx.finance_user()
    to_close = list(
        FiscalPeriod.objects.filter(
            organization=org, start_date__lt=cutoff, status=FiscalPeriod.Status.OPEN
        ).order_by("start_date")
    )
    for period in to_close:
        period.status = FiscalPeriod.Status.CLOSED
        period.closed_at = ctx.at(period.end_date + dt.timedelta(days=CLOSE_DELAY_DAYS), 17)
        period.closed_by = closer
    FiscalPeriod.objects.bulk_update(to_close, ["status", "closed_at", "closed_by"], batch_size=500)
    return {"periods": created, "periods_closed": len(to_close)}
