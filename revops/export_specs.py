"""The core pages' exports (see revops.export_registry), built from their selectors."""

from __future__ import annotations

from django.http import QueryDict

from revops.export_registry import ExportData, ExportSpec, export_register
from revops.exports import ExportTable
from revops.forms import DashboardFilterForm
from revops.models import Membership
from revops.permissions import Cap
from revops.selectors.dashboard import dashboard_opportunities, dashboard_top_accounts
from revops.selectors.jobs import JOB_EXPORT_HEADERS, job_export_rows, job_list
from revops.selectors.opportunities import (
    OPPORTUNITY_EXPORT_HEADERS,
    clean_sort,
    opportunity_export_rows,
    opportunity_list,
    product_line_choices,
)
from revops.selectors.periods import organization_today, period_range

TOP_ACCOUNT_HEADERS = ("Rank", "Account", "Won deals", "Won revenue")


def _stamp(membership: Membership) -> str:
    return f"{organization_today(membership.organization):%Y-%m-%d}"


def opportunity_export(*, membership: Membership, params: QueryDict) -> ExportData:
    filterset, qs = opportunity_list(
        membership=membership, filters=params, sort=clean_sort(params.get("sort"))
    )
    filters = [(name, value) for name, value in filterset.form.data.items() if value and name != "sort"]
    return ExportData(
        filename=f"opportunities-{_stamp(membership)}",
        title="Opportunities",
        tables=[
            ExportTable("Opportunities", OPPORTUNITY_EXPORT_HEADERS, opportunity_export_rows(qs), qs.count())
        ],
        summary=[("Filters", ", ".join(f"{k} = {v}" for k, v in filters))] if filters else [],
    )


def job_export(*, membership: Membership, params: QueryDict) -> ExportData:
    jobs = job_list(organization=membership.organization)
    return ExportData(
        filename=f"jobs-{_stamp(membership)}",
        title="Background jobs",
        tables=[ExportTable("Jobs", JOB_EXPORT_HEADERS, job_export_rows(jobs), jobs.count())],
    )


def top_account_export(*, membership: Membership, params: QueryDict) -> ExportData:
    form = DashboardFilterForm(params, product_lines=product_line_choices(membership=membership))
    period, product_line_id = form.selected()
    today = organization_today(membership.organization)
    date_range = period_range(membership.organization, period, today)
    accounts = dashboard_top_accounts(
        dashboard_opportunities(membership, product_line_id), date_range, limit=None
    )
    rows = [(i, a.name, a.deals, a.amount) for i, a in enumerate(accounts, start=1)]
    return ExportData(
        filename=f"top-accounts-{today:%Y-%m-%d}",
        title="Top accounts by won revenue",
        tables=[ExportTable("Top accounts", TOP_ACCOUNT_HEADERS, rows, len(rows))],
        summary=[("Period", form.cleaned_data.get("period") or period)],
    )


def register_core_exports() -> None:
    export_register(
        ExportSpec(
            key="opportunities",
            page="revops:opportunity-list",
            label="Opportunities",
            cap=Cap.OPPORTUNITY_VIEW,
            build=opportunity_export,
            formats=("csv", "xlsx", "pdf"),
        )
    )
    export_register(
        ExportSpec(key="jobs", page="revops:job-list", label="Jobs", cap=Cap.JOB_VIEW, build=job_export)
    )
    export_register(
        ExportSpec(
            key="top-accounts",
            page="revops:home",
            label="Top accounts",
            cap=Cap.DASHBOARD_VIEW,
            build=top_account_export,
            formats=("csv", "xlsx", "pdf"),
        )
    )
