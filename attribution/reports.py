"""Attribution reports rendered to PDF with xhtml2pdf (templates/attribution/reports/*_pdf.html)."""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.utils import timezone
from xhtml2pdf import pisa

from attribution.permissions import AttributionCap
from attribution.selectors_pages.ledger import ChainHead, LedgerTotals, entry_rows
from revops.models import Membership
from revops.permissions import Cap, has_cap

PDF_CONTENT_TYPE = "application/pdf"


class ReportError(Exception):
    """The PDF could not be rendered."""


def render_pdf(template: str, context: dict) -> bytes:
    html = render_to_string(template, context)
    buffer = io.BytesIO()
    result = pisa.CreatePDF(html, dest=buffer, encoding="utf-8")
    if result.err:
        raise ReportError(f"{result.err} error(s) while rendering {template}")
    return buffer.getvalue()


@dataclass
class LedgerAuditReport:
    """The audit trail of ledger lines: each with its hash prefix, rule version and explanation,
    and the chain head the lines lead up to."""

    membership: Membership
    entries: QuerySet
    totals: LedgerTotals
    head: ChainHead | None
    filters: dict
    template = "attribution/reports/ledger_audit_pdf.html"

    @staticmethod
    def is_available_to(membership: Membership | None) -> bool:
        return has_cap(membership, AttributionCap.VIEW) and has_cap(membership, Cap.EXPORT)

    def lines(self) -> list[dict]:
        return entry_rows(self.entries.order_by("sequence"))

    def generate(self) -> bytes:
        context = {
            "organization": self.membership.organization,
            "lines": self.lines(),
            "totals": self.totals,
            "head": self.head,
            "filters": {k: v for k, v in self.filters.items() if v},
            "generated_at": timezone.now(),
        }
        return render_pdf(self.template, context)
