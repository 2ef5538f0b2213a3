"""Demo fiscal periods: months covering the data, created open; the older ones closed last, in order."""

from __future__ import annotations

import datetime as dt

from django.db.models import Max, Min

from revops.demo.context import SeedContext
from revops.demo.registry import month_end_tasks
from revops.models import FiscalPeriod, Opportunity
from revops.services.periods import period_close, periods_ensure

OPEN_MONTHS = 2  # the current month and the two before it stay open
CLOSE_DELAY_DAYS = 5  # finance closes a month five days after it ends
CLOSE_REASON = "demo close"


def _months_back(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def seed_periods(ctx: SeedContext) -> dict[str, int]:
    """Create the monthly periods from the start of the demo's history (or its first deal, if
    earlier) to the last expected close, all open.

    They stay open while the other steps write into past months (ledgers post into the
    period of their date); `close_periods`, the last core step, closes the older ones.
    """
    org = ctx.organization
    span = Opportunity.objects.filter(organization=org).aggregate(
        first=Min("created_date"), last=Max("expected_close_date")
    )
    history_start = ctx.today - dt.timedelta(days=ctx.spec.history_days)
    start = min(span["first"] or history_start, history_start)
    end = max(span["last"] or ctx.today, ctx.today)
    return {"periods": periods_ensure(organization=org, start=start, end=end)}


def close_periods(ctx: SeedContext) -> dict[str, int]:
    """Close every month before the open ones, oldest first, as finance, through `period_close`.

    Before each close, the month-end tasks apps register (`register_month_end`) post that
    month's activity, so each ledger's seal holds the chain head of its own month. Going
    through the service writes the audit rows and runs the period-close hooks (the
    attribution ledger seals each period). The close dates are the historical ones, each
    month five days after it ended, so they follow the order of closing.
    """
    cutoff = _months_back(ctx.today, OPEN_MONTHS)
    closer = ctx.finance_user()
    to_close = FiscalPeriod.objects.filter(
        organization=ctx.organization, start_date__lt=cutoff, status=FiscalPeriod.Status.OPEN
    ).order_by("start_date")
    tasks = month_end_tasks()
    counts: dict[str, int] = {}
    closed = 0
    for period in to_close:
        for _name, task in tasks:
            for key, value in (task(ctx, period) or {}).items():
                counts[key] = counts.get(key, 0) + value
        closed_at = ctx.at(period.end_date + dt.timedelta(days=CLOSE_DELAY_DAYS), 17)
        period_close(period=period, actor=closer, reason=CLOSE_REASON, closed_at=closed_at)
        closed += 1
    return {**counts, "periods_closed": closed}
