"""The partner's statement as CSV, Excel or PDF (a PDF is written by a JobRun).

Built from the portal's selectors with the member's scope: a partner's file holds their own
ledger lines only, each with its explanation and evidence (rule and version, registration
and its approval, timestamps).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

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
