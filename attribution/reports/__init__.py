"""Partner attribution's reports in the core report kit (revops.reports): Executive, Partner
Performance, Account Drilldown and Audit Trail, each built from the pages' scoped selectors."""

from __future__ import annotations

from attribution.permissions import AttributionCap
from revops.permissions import Cap
from revops.reports.kit import ReportSpec, report_register


def register_reports() -> None:
    from attribution.reports.account import account_drilldown_report
    from attribution.reports.audit import audit_trail_report
    from attribution.reports.executive import executive_report
    from attribution.reports.partners import partner_performance_report

    report_register(
        ReportSpec(
            key="executive",
            label="Executive report",
            description="Pipeline, bookings, partner contribution, top partners and the change on the previous period.",
            caps=(Cap.DASHBOARD_VIEW, AttributionCap.VIEW),
            build=executive_report,
        )
    )
    report_register(
        ReportSpec(
            key="partner-performance",
            label="Partner performance",
            description="Every partner's attributed revenue and its change, by role, tier and month.",
            caps=(AttributionCap.VIEW,),
            build=partner_performance_report,
        )
    )
    report_register(
        ReportSpec(
            key="account-drilldown",
            label="Account drilldown",
            description="One account: its deals, partners, splits and ledger lines.",
            caps=(Cap.ACCOUNT_VIEW, AttributionCap.VIEW),
            build=account_drilldown_report,
            needs_account=True,
        )
    )
    report_register(
        ReportSpec(
            key="audit-trail",
            label="Audit trail",
            description="The period's ledger lines and audit events, every chain head and the verification result.",
            caps=(Cap.AUDIT_VIEW, AttributionCap.VIEW),
            build=audit_trail_report,
        )
    )
