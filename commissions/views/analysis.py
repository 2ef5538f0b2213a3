"""The analysis page: sales and commission pivoted by the rows, columns and measure the user picks
(rep, product line, month, team), as a table and a chart, exportable; scoped like every
commission page (a rep sees their own figures)."""

from __future__ import annotations

from django.http import HttpResponse
from django.views.decorators.http import require_safe

from commissions import charts
from commissions.analytics import DIMENSIONS, MEASURES
from commissions.permissions import CommissionCap
from commissions.selectors.analysis import analysis_choice, analysis_table
from commissions.views.objectives import grid_year_start
from revops.htmx import render_page_or_partial
from revops.permissions import cap_required
from revops.tenancy import MemberRequest
from revops.web.exports import export_dispatch


@require_safe
@cap_required(CommissionCap.VIEW)
def analysis_view(request: MemberRequest) -> HttpResponse:
    exported = export_dispatch(request, "commissions-analysis")
    if exported is not None:
        return exported
    year_start, years = grid_year_start(request, request.GET.get("year"))
    choice = analysis_choice(request.GET)
    table = analysis_table(membership=request.membership, year_start=year_start, choice=choice)
    context = {
        "choice": choice,
        "table": table,
        "header": [str(c) for c in table.columns],
        "body": [
            (str(index), list(row))
            for index, row in zip(table.index, table.itertuples(index=False), strict=True)
        ],
        "chart": charts.pivot_chart(table, MEASURES[choice.measure]),
        "labels": {
            "rows": DIMENSIONS[choice.rows],
            "columns": DIMENSIONS.get(choice.columns or "", ""),
            "measure": MEASURES[choice.measure],
        },
        "dimensions": DIMENSIONS,
        "measures": MEASURES,
        "year_start": year_start,
        "years": years,
    }
    return render_page_or_partial(
        request, "commissions/analysis.html", "commissions/partials/analysis_body.html", context
    )
