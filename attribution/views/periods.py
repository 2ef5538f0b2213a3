"""Period analytics: revenue by partner and role per period, movement, close and reopen."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.text import capfirst
from django.views.decorators.http import require_POST

from attribution.analytics import movement_counts, partner_role_breakdown, period_movement
from attribution.forms import PeriodReasonForm
from attribution.permissions import AttributionCap
from attribution.selectors.periods import (
    period_get,
    period_list_split,
    period_partner_role_totals,
    period_rows,
    previous_period,
)
from revops.exceptions import ApplicationError
from revops.htmx import render_page_or_partial
from revops.permissions import Cap, cap_required, has_cap
from revops.selectors.periods import organization_today
from revops.services.periods import period_close, period_reopen
from revops.tables import Column


def _selected(request: HttpRequest, rows):
    wanted = request.GET.get("period")
    if wanted and wanted.isdigit():
        return period_get(membership=request.membership, pk=int(wanted))
    with_entries = [r.period for r in rows if r.entries]
    return with_entries[-1] if with_entries else (rows[-1].period if rows else None)


@cap_required(AttributionCap.VIEW)
def period_analytics_view(request: HttpRequest) -> HttpResponse:
    membership = request.membership
    rows = period_rows(membership=membership)
    period = _selected(request, rows)
    listed = period_list_split(rows, today=organization_today(membership.organization))
    context = {
        "rows": listed.rows,
        "earlier": listed.earlier,
        "period": period,
        "can_close": has_cap(membership, Cap.PERIOD_CLOSE),
    }
    if period is not None:
        previous = previous_period(period)
        totals = period_partner_role_totals(
            membership=membership, periods=[p for p in (period, previous) if p is not None]
        )
        breakdown = partner_role_breakdown(totals, period.pk)
        columns = [c for c in breakdown.columns if c not in ("partner_id", "partner")]
        movement = period_movement(totals, period.pk, previous.pk if previous else None)
        context.update(
            {
                "previous": previous,
                "breakdown_columns": columns,
                "breakdown_header": [Column("Partner"), *(Column(capfirst(c), num=True) for c in columns)],
                "breakdown": [(r["partner"], [r[c] for c in columns]) for r in breakdown.to_dict("records")],
                "movement": movement.to_dict("records"),
                "movement_counts": movement_counts(movement),
                "row": next(r for r in rows if r.period.pk == period.pk),
            }
        )
    return render_page_or_partial(
        request, "attribution/periods.html", "attribution/partials/period_detail.html", context
    )


def _back(period) -> HttpResponse:
    return redirect(f"{reverse('attribution:periods')}?period={period.pk}")


def _period_change(request: HttpRequest, pk: int, change, done: str) -> HttpResponse:
    """Close or reopen a period with the posted reason; refusals become a message."""
    period = period_get(membership=request.membership, pk=pk)
    form = PeriodReasonForm(request.POST)
    form.is_valid()
    try:
        period = change(period=period, actor=request.user, reason=form.cleaned_data.get("reason", ""))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done.format(label=period.label))
    return _back(period)


@require_POST
@cap_required(Cap.PERIOD_CLOSE)
def period_close_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _period_change(request, pk, period_close, "Period {label} is closed.")


@require_POST
@cap_required(Cap.PERIOD_CLOSE)
def period_reopen_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _period_change(request, pk, period_reopen, "Period {label} is open again.")
