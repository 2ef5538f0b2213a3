"""Audit Trail report: the period's ledger lines and audit events, the chain heads, verification.

The ledger lines are the ledger explorer's (its FilterSet, revenue dated in the period), laid
out as the ledger page's audit-trail PDF lays them out (revops.reports_pdf, hash on every line);
this report adds the lines summed per ledger period, partner and role, the organization's
audit events of the period, the head of every ledger and the result of verifying the
attribution ledger's chain, seals and totals now. Finance and admins only (the audit
capability): audit events are the organization's.

A ledger grows to hundreds of thousands of lines, and a PDF of thousands of pages is read by
nobody: the PDF carries everything above in full and lists the first `PDF_LEDGER_LINES` lines
(by sequence), saying how many of how many; the Excel workbook lists every line (streamed),
and so does the ledger page's CSV export.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from attribution.reports.account import ledger_table
from attribution.reports.common import dates_for, money, new_report, period_words
from attribution.selectors.ledger import chain_head, ledger_list, ledger_summary
from attribution.services.verify import ledger_verify
from revops.models import AuditEvent, LedgerHead, Membership
from revops.reports.kit import Fmt, Kpi, Report, ReportParams, Rows, Table

# Ledger lines the PDF lists: 50 landscape pages at 40 lines a page.
PDF_LEDGER_LINES = 2000


def _events(membership: Membership, start: dt.date | None, end: dt.date | None):
    events = AuditEvent.objects.filter(organization_id=membership.organization_id)
    try:
        zone: dt.tzinfo = ZoneInfo(membership.organization.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        zone = dt.UTC
    if start is not None:
        events = events.filter(created_at__gte=dt.datetime.combine(start, dt.time.min, tzinfo=zone))
    if end is not None:
        events = events.filter(
            created_at__lt=dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
        )
    return events.select_related("actor").order_by("created_at", "id")


def _event_rows(events):
    for e in events.iterator(chunk_size=2000):
        yield (
            e.created_at,
            e.actor.email if e.actor else "system",
            e.action,
            f"{e.object_type} #{e.object_id}",
            e.reason,
        )


def audit_trail_report(*, membership: Membership, params: ReportParams, today: dt.date) -> Report:
    dates = dates_for(membership, params.period, today)
    filters = {}
    if dates.start is not None and dates.end is not None:
        filters = {"date_after": dates.start.isoformat(), "date_before": dates.end.isoformat()}
    ledger, totals = ledger_table(title="Ledger lines", membership=membership, filters=filters)
    ledger.pdf_limit = PDF_LEDGER_LINES
    _filterset, lines = ledger_list(membership=membership, filters=filters)
    summary = ledger_summary(lines)
    events = _events(membership, dates.start, dates.end)
    event_count = events.count()
    verification = ledger_verify(organization=membership.organization)
    head = chain_head(membership=membership)
    heads = list(
        LedgerHead.objects.filter(organization_id=membership.organization_id)
        .order_by("ledger")
        .values_list("ledger", "last_sequence", "last_hash")
    )
    words = period_words(params.period, dates)
    report = new_report(
        key="audit-trail",
        title="Audit trail",
        subtitle=words,
        membership=membership,
        filename_stem="audit-trail-report",
        today=today,
    )
    problem = verification.problem
    verdict = (
        f"verified: {verification.entries:,} entries and {verification.seals:,} seals hold"
        if problem is None
        else f"BROKEN at entry #{problem.sequence}: {problem.problem}"
    )
    report.summary = [
        f"In {words} the attribution ledger holds {totals.count:,} line{'s' if totals.count != 1 else ''} "
        f"crediting {money(totals.amount, report.currency)} for revenue dated in the period, and "
        f"{event_count:,} audit event{'s' if event_count != 1 else ''} were recorded.",
        f"The attribution ledger's chain was {verdict} when this report was written.",
    ]
    if totals.count > PDF_LEDGER_LINES:
        report.summary.append(
            f"The PDF lists the first {PDF_LEDGER_LINES:,} of the {totals.count:,} ledger lines (by "
            "sequence) after their sums per period, partner and role; the Excel workbook of this "
            "report, and the ledger page's CSV export, hold every line."
        )
    report.facts = [
        ("Verification", verdict),
        (
            "Attribution chain head",
            f"entry #{head.sequence}, hash {head.hash}" if head else "the ledger is empty",
        ),
    ]
    report.kpis = [
        Kpi("Ledger lines", totals.count, Fmt.COUNT),
        Kpi("Credited", totals.amount, Fmt.MONEY),
        Kpi("Audit events", event_count, Fmt.COUNT),
    ]
    report.tables = [
        Table(
            "Chain heads",
            ("Ledger", "Last entry", "Hash"),
            (Fmt.TEXT, Fmt.COUNT, Fmt.TEXT),
            [(name, sequence, digest) for name, sequence, digest in heads],
        ),
        Table(
            "Verification",
            ("Ledger", "Entries", "Seals", "Result"),
            (Fmt.TEXT, Fmt.COUNT, Fmt.COUNT, Fmt.TEXT),
            [(verification.ledger, verification.entries, verification.seals, verdict)],
        ),
        Table(
            "Lines by period, partner, role",
            ("Period", "Partner", "Role", "Lines", "Credited"),
            (Fmt.TEXT, Fmt.TEXT, Fmt.TEXT, Fmt.COUNT, Fmt.MONEY),
            [(r.period, r.partner, r.role, r.lines, r.amount) for r in summary],
            totals=("Total", None, None, totals.count, totals.amount),
            long=True,
        ),
        ledger,
        Table(
            "Audit events",
            ("When", "Who", "Action", "Object", "Reason"),
            (Fmt.DATETIME, Fmt.TEXT, Fmt.TEXT, Fmt.TEXT, Fmt.TEXT),
            Rows(lambda: _event_rows(events)),
            count=event_count,
            long=True,
            totals=(None, f"{event_count:,} events", None, None, None),
        ),
    ]
    return report
