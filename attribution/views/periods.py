"""Period analytics: revenue by partner and role per period, movement, close and reopen."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.text import capfirst
from django.views.decorators.http import require_POST

from attribution.forms import PeriodReasonForm
from attribution.permissions import AttributionCap
from attribution.selectors.periods import (
    period_detail,
    period_get,
    period_list_split,
    period_rows,
    period_selected,
)
from revops.exceptions import ApplicationError
from revops.htmx import render_page_or_partial
from revops.permissions import Cap, cap_required, has_cap
from revops.selectors.periods import organization_today
from revops.services.periods import period_close, period_reopen
from revops.tables import Column
from revops.web.exports import export_dispatch


@cap_required(AttributionCap.VIEW)
def period_analytics_view(request: HttpRequest) -> HttpResponse:
    exported = export_dispatch(request, "attribution-periods")
    if exported is not None:
        return exported
    membership = request.membership
    rows = period_rows(membership=membership)
    period = period_selected(membership=membership, rows=rows, wanted=request.GET.get("period"))
    listed = period_list_split(rows, today=organization_today(membership.organization))
    context = {
        "rows": listed.rows,
        "earlier": listed.earlier,
        "later": listed.later,
        "period": period,
        "can_close": has_cap(membership, Cap.PERIOD_CLOSE),
    }
    if period is not None:
        detail = period_detail(membership=membership, period=period, rows=rows)
        context.update(
            {
                "previous": detail.previous,
                "breakdown_columns": detail.breakdown_columns,
                "breakdown_header": [
                    Column("Partner"),
                    *(Column(capfirst(c), num=True) for c in detail.breakdown_columns),
                ],
                "breakdown": detail.breakdown,
                "movement": detail.movement,
                "movement_counts": detail.movement_counts,
                "row": detail.row,
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
