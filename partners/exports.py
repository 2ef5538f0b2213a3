"""The partner's statement as CSV, Excel or PDF (a PDF is written by a JobRun); the internal
dispute queue and its ageing/SLA report as CSV or Excel; the analytics tables
(`partners.exports_analytics`).

Built from the apps' selectors with the member's scope: a partner's file holds their own
ledger lines only, each with its explanation and evidence (rule and version, registration
and its approval, timestamps); a dispute file the disputes the member may see.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from partners.exports_analytics import register_analytics_exports
from partners.forms import DisputeFilterForm
from partners.permissions import PartnerCap
from partners.selectors.disputes import ageing_report, dispute_rows
from partners.selectors.portal import statement_lines, statement_periods
from revops.export_registry import ExportData, ExportSpec, export_register
from revops.exports import ExportTable
from revops.models import Membership
from revops.permissions import Cap

HEADERS = (
    "Line",
    "Posted at",
    "Revenue date",
    "Deal",
    "Account",
    "Role",
    "Kind",
    "Split %",
    "Amount",
    "Rule",
    "Explanation",
    "Registration",
    "Registration approved at",
)


def statement_export(*, membership: Membership, params: Mapping) -> ExportData:
    periods = statement_periods(membership=membership)
    wanted = str(params.get("period", ""))
    period = next((p for p in periods if str(p.pk) == wanted), periods[0] if periods else None)
    lines = statement_lines(membership=membership, period=period) if period else []
    rows = [
        (
            ln.sequence,
            ln.posted_at,
            ln.revenue_date,
            ln.deal,
            ln.account,
            ln.role,
            ln.kind,
            ln.split_percent,
            ln.amount,
            ln.rule,
            ln.explanation,
            ln.registration_id or "",
            ln.registration_approved_at or "",
        )
        for ln in lines
    ]
    total = sum((ln.amount for ln in lines), start=Decimal("0.00"))
    label = str(period) if period else "no period"
    partner = membership.partner.name if membership.partner else ""
    return ExportData(
        filename=f"statement-{period.start_date:%Y-%m}" if period else "statement",
        title=f"Partner statement — {partner}",
        tables=[ExportTable("Statement", HEADERS, rows, len(rows))],
        summary=[("Partner", partner), ("Period", label), ("Total", f"{total:,.2f}")],
    )


DISPUTE_HEADERS = (
    "Dispute",
    "Partner",
    "Deal",
    "Account",
    "Role",
    "Split then %",
    "Asked %",
    "Opened by",
    "Side",
    "Opened at",
    "Due at",
    "Past SLA",
    "Age (hours)",
    "Status",
    "Resolved at",
)


def dispute_export(*, membership: Membership, params: Mapping) -> ExportData:
    """The dispute queue as filtered on the page (status, past SLA, order), every row."""
    form = DisputeFilterForm(params or {"status": "pending"})
    filters = form.cleaned_data if form.is_valid() else {"status": "pending", "overdue": "", "sort": "due"}
    found = dispute_rows(
        membership=membership,
        status=filters.get("status") or "",
        overdue_only=filters.get("overdue") == "yes",
        sort=filters.get("sort") or "due",
        limit=None,
    )
    rows = [
        (
            r.dispute.pk,
            r.dispute.partner.name,
            r.dispute.opportunity.name,
            r.dispute.opportunity.account.name,
            r.dispute.get_role_display(),
            r.dispute.current_split_percent,
            r.dispute.proposed_split_percent,
            r.dispute.opened_by.email if r.dispute.opened_by else "",
            r.dispute.get_side_display(),
            r.dispute.created_at,
            r.dispute.due_at,
            r.overdue,
            r.age_hours,
            r.dispute.get_status_display(),
            r.dispute.resolved_at,
        )
        for r in found
    ]
    status = dict(form.fields["status"].choices).get(filters.get("status") or "", "All")
    return ExportData(
        filename="partner-disputes",
        title="Partner disputes",
        tables=[ExportTable("Disputes", DISPUTE_HEADERS, rows, len(rows))],
        summary=[
            ("Status", str(status)),
            ("Past SLA only", "yes" if filters.get("overdue") == "yes" else "no"),
        ],
    )


def dispute_ageing_export(*, membership: Membership, params: Mapping) -> ExportData:
    """The ageing/SLA report: pending disputes by age, the SLA figures, counts by status."""
    report = ageing_report(membership=membership)
    median = report.median_hours_to_resolution
    sla = [
        ("Pending", report.pending),
        ("Pending past their due time", report.pending_breached),
        ("Resolved", report.resolved),
        ("Resolved after their due time", report.resolved_late),
        ("Median hours to resolution", Decimal(str(median)) if median is not None else None),
    ]
    statuses = list(report.by_status.items())
    return ExportData(
        filename="partner-dispute-ageing",
        title="Dispute ageing and SLA",
        tables=[
            ExportTable("Pending by age", ("Age", "Disputes"), report.buckets, len(report.buckets)),
            ExportTable("SLA", ("Measure", "Value"), sla, len(sla)),
            ExportTable("By status", ("Status", "Disputes"), statuses, len(statuses)),
        ],
    )


def register_exports() -> None:
    export_register(
        ExportSpec(
            key="partners-statement",
            page="portal:statement",
            label="Statement",
            cap=Cap.PORTAL,
            formats=("csv", "xlsx", "pdf"),
            build=statement_export,
        )
    )
    export_register(
        ExportSpec(
            key="partners-disputes",
            page="partners:disputes",
            label="Partner disputes",
            cap=PartnerCap.DISPUTE_VIEW,
            build=dispute_export,
        )
    )
    export_register(
        ExportSpec(
            key="partners-dispute-ageing",
            page="partners:dispute-report",
            label="Dispute ageing and SLA",
            cap=PartnerCap.DISPUTE_VIEW,
            build=dispute_ageing_export,
        )
    )
    register_analytics_exports()
