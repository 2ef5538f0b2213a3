"""The objectives grid: reps × product lines by month of a fiscal year, edited in place.

Everyone with the commission pages sees the objectives in their scope (a rep their own);
finance and admins (`PLAN_EDIT`) edit a cell in place (HTMX posts the cell, the answer is the
cell again, with the error when refused), fill a row or a column, and import or export the
grid. Months whose fiscal period is closed are read-only.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from commissions.forms import ObjectiveCellForm, ObjectiveFillForm
from commissions.permissions import CommissionCap
from commissions.selectors.objectives import objective_cell, objective_grid, year_months
from commissions.selectors.reps import rep_get
from commissions.services.objectives import objective_set, objectives_fill
from commissions.services.objectives_import import IMPORT_KIND
from revops.exceptions import ApplicationError
from revops.htmx import htmx_partial, render_page_or_partial
from revops.models import ProductLine
from revops.permissions import cap_required, has_cap
from revops.selectors.periods import fiscal_year_range, organization_today
from revops.tenancy import MemberRequest
from revops.web.exports import export_dispatch

YEARS_BACK, YEARS_AHEAD = 2, 1  # the years the picker offers around the current fiscal year


def grid_year_start(request: MemberRequest, wanted: str | None) -> tuple[dt.date, list[int]]:
    """The fiscal year asked for (by the calendar year it starts in), else the current one."""
    current = fiscal_year_range(request.organization, organization_today(request.organization)).start
    assert current is not None  # a fiscal year is always bounded
    years = list(range(current.year - YEARS_BACK, current.year + YEARS_AHEAD + 1))
    if wanted and str(wanted).isdigit() and int(wanted) in years:
        return current.replace(year=int(wanted)), years
    return current, years


@require_safe
@cap_required(CommissionCap.VIEW)
def objective_grid_view(request: MemberRequest) -> HttpResponse:
    exported = export_dispatch(request, "commissions-objectives")
    if exported is not None:
        return exported
    year_start, years = grid_year_start(request, request.GET.get("year"))
    context = {
        "grid": objective_grid(membership=request.membership, year_start=year_start),
        "year_start": year_start,
        "years": years,
        "import_kind": IMPORT_KIND,
        "can_import": has_cap(request.membership, CommissionCap.PLAN_EDIT),
    }
    return render_page_or_partial(
        request, "commissions/objectives.html", "commissions/partials/objective_grid.html", context
    )


def _line_in_organization(request: MemberRequest, pk: int | None) -> int:
    return get_object_or_404(ProductLine, organization=request.organization, pk=pk).pk


@require_POST
@cap_required(CommissionCap.PLAN_EDIT)
def objective_cell_view(request: MemberRequest) -> HttpResponse:
    """Set one cell; answers the cell (HTMX) with the error when refused, else back to the grid."""
    form = ObjectiveCellForm(request.POST)
    if not form.is_bound or not all(form.data.get(f) for f in ("rep", "product_line", "month")):
        raise Http404
    error = ""
    if not form.is_valid():
        if {"rep", "product_line", "month"} & set(form.errors):
            raise Http404
        error = " ".join(form.errors["amount"])
    data = form.cleaned_data
    rep = rep_get(membership=request.membership, user_id=data["rep"])
    line_id = _line_in_organization(request, data["product_line"])
    month = data["month"]
    if not error:
        try:
            objective_set(
                organization=request.organization,
                actor=request.user,
                rep_id=rep.user_id,
                product_line_id=line_id,
                month=month,
                amount=data["amount"],
            )
        except ApplicationError as exc:
            error = exc.message
    if not htmx_partial(request):
        if error:
            messages.error(request, f"Not saved: {error}")
        return redirect(f"{reverse('commissions:objectives')}?year={month.year}")
    cell = objective_cell(
        membership=request.membership, rep_id=rep.user_id, product_line_id=line_id, month=month
    )
    context = {
        "cell": cell,
        "rep_id": rep.user_id,
        "line_id": line_id,
        "error": error,
        "typed": request.POST.get("amount", "") if error else None,
    }
    return render(request, "commissions/partials/objective_cell.html", context)


@require_POST
@cap_required(CommissionCap.PLAN_EDIT)
def objective_fill_view(request: MemberRequest) -> HttpResponse:
    """Fill a row (every month of the year) or a column (every row of the grid) with one amount."""
    form = ObjectiveFillForm(request.POST)
    if not form.is_valid():
        problems = " ".join(e for errors in form.errors.values() for e in errors)
        messages.error(request, f"Nothing filled: {problems}")
        year = request.POST.get("year", "")
        return redirect(f"{reverse('commissions:objectives')}?year={year if year.isdigit() else ''}")
    data = form.cleaned_data
    year_start, _years = grid_year_start(request, str(data["year"]))
    if data["month"] is not None:
        if data["month"] not in year_months(year_start):
            raise Http404
        grid = objective_grid(membership=request.membership, year_start=year_start)
        cells = [(row.rep_id, row.product_line_id, data["month"]) for row in grid.rows]
        what = f"{data['month']:%B %Y}"
    else:
        rep = rep_get(membership=request.membership, user_id=data["rep"])
        line_id = _line_in_organization(request, data["product_line"])
        cells = [(rep.user_id, line_id, month) for month in year_months(year_start)]
        what = f"{rep.name}'s row"
    try:
        result = objectives_fill(
            organization=request.organization, actor=request.user, cells=cells, amount=data["amount"]
        )
    except ApplicationError as exc:
        messages.error(request, f"Nothing filled: {exc.message}")
    else:
        closed = f"; {result.closed} in closed months left as they were" if result.closed else ""
        messages.success(
            request, f"Filled {what}: {result.changed} changed, {result.unchanged} already so{closed}."
        )
    return redirect(f"{reverse('commissions:objectives')}?year={year_start.year}")
