"""Partner attribution's exports (see revops.export_registry), built from the pages' selectors.

- attribution-ledger: the ledger explorer's lines, filtered as the page (its FilterSet);
- attribution-partners: partner performance for the page's period: per partner, role, tier
  and month;
- attribution-periods: the selected period by partner and role, its movement since the
  previous period and its ledger lines, then every period;
- attribution-deal: one deal's splits, the explanation of each, its ledger lines, split
  history and the partners on its account.

Every one reads as its page does (same selectors, same member scope, same capability) and
names its filters in words in the report header.
"""

from __future__ import annotations

import datetime as dt

from django.http import QueryDict

from attribution.forms import PerformanceFilterForm
from attribution.models import LinkStatus
from attribution.permissions import AttributionCap
from attribution.selectors.deal import DealSplit, deal_detail, deal_get
from attribution.selectors.ledger import (
    LEDGER_EXPORT_HEADERS,
    SOURCE_LABELS,
    chain_head,
    ledger_export_rows,
    ledger_list,
    ledger_totals,
)
from attribution.selectors.performance import TIER_LABELS, partner_performance
from attribution.selectors.periods import PeriodRow, period_detail, period_rows, period_selected
from revops.export_registry import ExportData, ExportSpec, export_register
from revops.exports import ExportTable
from revops.formatting import format_money
from revops.labels import label_for
from revops.models import Account, FiscalPeriod, Membership, Opportunity, Partner
from revops.selectors.periods import DateRange, PeriodChoice, organization_today, period_range

# Filter parameters that name a row, shown by name in the report header ("partner = Cobalt
# Consulting", not "partner=17"); looked up within the member's organization only.
_NAMED = {
    "partner": (Partner, "name"),
    "account": (Account, "name"),
    "opportunity": (Opportunity, "name"),
    "period": (FiscalPeriod, "name"),
    "revenue_period": (FiscalPeriod, "name"),
}
_LABELLED = {"kind": "ledger_kind", "role": "partner_role", "scope": "ledger_scope"}


def filters_in_words(*, membership: Membership, data) -> str:
    parts = []
    for name, value in data.items():
        if not value or name in ("sort", "export", "page"):
            continue
        if name in _NAMED:
            if not str(value).isdigit():
                continue  # not an id: the filter ignores it, so the report does not name it
            model, field = _NAMED[name]
            row = model.objects.filter(organization_id=membership.organization_id, pk=int(value)).first()
            text = str(getattr(row, field, None) or row) if row is not None else f"#{value}"
        elif name in _LABELLED:
            text = label_for(_LABELLED[name], value)
        else:
            text = str(value)
        parts.append(f"{name.replace('_', ' ')} = {text}")
    return ", ".join(parts)


def ledger_export(*, membership: Membership, params: QueryDict) -> ExportData:
    filterset, qs = ledger_list(membership=membership, filters=params)
    totals = ledger_totals(qs)
    head = chain_head(membership=membership)
    words = filters_in_words(membership=membership, data=filterset.form.data) if filterset.is_bound else ""
    currency = membership.organization.currency
    summary = [("Filters", words or "none (every line you may see)")]
    summary.append(
        ("Total", f"{format_money(totals.amount, currency, exact=True)} in {totals.count:,} lines")
    )
    summary.append(
        (
            "Chain head",
            f"entry #{head.sequence}, hash {head.hash}" if head is not None else "the ledger is empty",
        )
    )
    return ExportData(
        filename=f"attribution-ledger-{organization_today(membership.organization):%Y-%m-%d}",
        title="Attribution ledger audit trail",
        tables=[ExportTable("Ledger", LEDGER_EXPORT_HEADERS, ledger_export_rows(qs), totals.count)],
        summary=summary,
    )


PARTNER_HEADERS = ("Rank", "Partner", "Tier", "Deals", "Attributed revenue", "Share %")
MOVEMENT_HEADERS = ("Partner", "Previous", "This period", "Change", "Movement")
PERIOD_HEADERS = ("Period", "Status", "Entries", "Attributed", "Chain head at close")
SPLIT_HEADERS = ("Partner", "Role", "Split %", "Credit on deal value", "Allowed", "Source", "Why")
EXPLANATION_HEADERS = ("Partner", "Role", "Step", "Rule", "Version", "Result", "Detail")
HISTORY_HEADERS = ("When", "Who", "Partner", "Role", "Before", "After", "Reason")
ACCOUNT_PARTNER_HEADERS = ("Partner", "Roles", "Attributed revenue", "Open deals")


def _day(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


def _dates_in_words(period: str, dates: DateRange) -> str:
    label = PeriodChoice(period).label
    if dates.start is not None and dates.end is not None:
        return f"{label} ({_day(dates.start)} – {_day(dates.end)})"
    return str(label)


def partner_performance_export(*, membership: Membership, params: QueryDict) -> ExportData:
    organization = membership.organization
    today = organization_today(organization)
    period = PerformanceFilterForm(params).selected()
    dates = period_range(organization, period, today)
    performance = partner_performance(membership=membership, dates=dates)
    partners = [
        (rank, p.name, TIER_LABELS.get(p.tier, p.tier), p.deals, p.amount, p.share_percent)
        for rank, p in enumerate(performance.partners, start=1)
    ]
    roles = [(r.label, r.amount) for r in performance.roles]
    tiers = [(t.label, t.amount) for t in performance.tiers]
    months = [(m.month, m.amount) for m in performance.months]
    currency = organization.currency
    return ExportData(
        filename=f"partner-performance-{today:%Y-%m-%d}",
        title="Partner performance",
        tables=[
            ExportTable("Partners", PARTNER_HEADERS, partners, len(partners)),
            ExportTable("By role", ("Role", "Attributed revenue"), roles, len(roles)),
            ExportTable("By partner tier", ("Tier", "Attributed revenue"), tiers, len(tiers)),
            ExportTable("By month", ("Month", "Attributed revenue"), months, len(months)),
        ],
        summary=[
            ("Period", _dates_in_words(period, dates)),
            ("Gross revenue", format_money(performance.gross_revenue, currency, exact=True)),
            (
                "Partner credit",
                f"{format_money(performance.partner_credit, currency, exact=True)}"
                f" to {len(partners):,} partners",
            ),
            ("Not credited", format_money(performance.not_credited, currency, exact=True)),
        ],
    )


def _capfirst(text: str) -> str:
    return text[:1].upper() + text[1:]


def _period_list_rows(rows: list[PeriodRow]) -> list[tuple]:
    return [
        (
            r.period.label,
            r.period.get_status_display(),
            r.entries,
            r.amount,
            f"entry #{r.seal.last_sequence}, hash {r.seal.last_hash}" if r.seal else "",
        )
        for r in rows
    ]


def period_export(*, membership: Membership, params: QueryDict) -> ExportData:
    rows = period_rows(membership=membership)
    period = period_selected(membership=membership, rows=rows, wanted=params.get("period"))
    stamp = f"{organization_today(membership.organization):%Y-%m-%d}"
    periods = ExportTable("Periods", PERIOD_HEADERS, _period_list_rows(rows), len(rows))
    if period is None:
        return ExportData(
            filename=f"attribution-periods-{stamp}",
            title="Attribution by period",
            tables=[periods],
            summary=[("Period", "none yet")],
        )
    detail = period_detail(membership=membership, period=period, rows=rows)
    filterset, entries = ledger_list(membership=membership, filters={"period": period.pk})
    lines = ledger_totals(entries, membership=membership, filterset=filterset)
    counts = detail.movement_counts
    currency = membership.organization.currency
    summary = [
        ("Period", f"{period.label}, {period.get_status_display().lower()}"),
        (
            "Attributed",
            f"{format_money(detail.row.amount, currency, exact=True)} in {detail.row.entries:,} entries",
        ),
    ]
    if detail.previous is not None:
        summary.append(("Compared with", detail.previous.label))
    summary.append(
        (
            "Movement",
            f"{counts['new']} new, {counts['increased']} increased, {counts['decreased']} decreased, "
            f"{counts['lost']} lost",
        )
    )
    if detail.row.seal is not None:
        seal = detail.row.seal
        summary.append(("Chain head at close", f"entry #{seal.last_sequence}, hash {seal.last_hash}"))
    breakdown = [(partner, *values) for partner, values in detail.breakdown]
    movement = [
        (m["partner"], m["previous"], m["current"], m["change"], m["status"]) for m in detail.movement
    ]
    return ExportData(
        filename=f"attribution-period-{period.start_date:%Y-%m}-{stamp}",
        title=f"Attribution in {period.label}",
        tables=[
            ExportTable(
                "By partner and role",
                ("Partner", *(_capfirst(c) for c in detail.breakdown_columns)),
                breakdown,
                len(breakdown),
            ),
            ExportTable("Movement", MOVEMENT_HEADERS, movement, len(movement)),
            ExportTable("Ledger lines", LEDGER_EXPORT_HEADERS, ledger_export_rows(entries), lines.count),
            periods,
        ],
        summary=summary,
    )


def _explanation_rows(split: DealSplit) -> list[tuple]:
    """The engine's reasoning for one split, a line per step: decision, rules seen, caps, notes."""
    partner, role = split.link.partner.name, split.link.get_role_display()
    e = split.detail
    decision = f"{split.percent} %" if split.allowed else "no credit"
    rows: list[tuple] = [
        (
            partner,
            role,
            "Split",
            e.rule_name,
            e.rule_version,
            decision,
            SOURCE_LABELS.get(split.source, split.source),
        )
    ]
    rows += [
        (
            partner,
            role,
            "Rule considered",
            c.rule_name,
            c.rule_version,
            "matched" if c.matched else "no match",
            c.reason,
        )
        for c in e.considered
    ]
    rows += [
        (partner, role, "Cap", c.what, None, f"{c.from_percent} % → {c.to_percent} %", "")
        for c in e.caps_applied
    ]
    rows += [(partner, role, "Note", "", None, "", note) for note in e.notes]
    return rows


def deal_export(*, membership: Membership, params: QueryDict, pk: int) -> ExportData:
    deal = deal_get(membership=membership, pk=pk)
    detail = deal_detail(membership=membership, deal=deal)
    splits = [
        (
            s.link.partner.name,
            s.link.get_role_display(),
            s.percent,
            s.credit,
            s.allowed,
            SOURCE_LABELS.get(s.source, s.source),
            s.explanation,
        )
        for s in detail.splits
    ]
    explanation = [row for split in detail.splits for row in _explanation_rows(split)]
    explanation += [
        (link.partner.name, link.get_role_display(), "Link", "", None, link.get_status_display(), "not split")
        for link in detail.links
        if link.status != LinkStatus.ACTIVE
    ]
    history = [
        (
            c.event.created_at,
            c.event.actor.email if c.event.actor else "",
            c.partner_name,
            c.role,
            c.before,
            c.after,
            c.event.reason,
        )
        for c in detail.history
    ]
    relationships = [
        (p.partner_name, ", ".join(p.roles), p.attributed, p.open_deals) for p in detail.relationships
    ]
    lines = ledger_totals(detail.entries)
    summary = [
        ("Deal", f"{deal.name}, {deal.account.name}, {deal.get_stage_display()}"),
        ("Deal value", format_money(deal.amount, deal.currency, exact=True)),
    ]
    if deal.owner is not None:
        summary.append(("Owner", deal.owner.email))
    summary.append(
        (
            "Ledger",
            f"{format_money(lines.amount, membership.organization.currency, exact=True)} in {lines.count:,} lines",
        )
    )
    return ExportData(
        filename=f"deal-{deal.pk}-attribution-{organization_today(membership.organization):%Y-%m-%d}",
        title=f"Deal attribution: {deal.name}",
        tables=[
            ExportTable("Splits", SPLIT_HEADERS, splits, len(splits)),
            ExportTable("Explanation", EXPLANATION_HEADERS, explanation, len(explanation)),
            ExportTable(
                "Ledger lines", LEDGER_EXPORT_HEADERS, ledger_export_rows(detail.entries), lines.count
            ),
            ExportTable("Split history", HISTORY_HEADERS, history, len(history)),
            ExportTable(
                "Partners on the account", ACCOUNT_PARTNER_HEADERS, relationships, len(relationships)
            ),
        ],
        summary=summary,
    )


def register_exports() -> None:
    export_register(
        ExportSpec(
            key="attribution-ledger",
            page="attribution:ledger",
            label="Attribution ledger",
            cap=AttributionCap.VIEW,
            build=ledger_export,
            formats=("csv", "xlsx", "pdf"),
        )
    )
    export_register(
        ExportSpec(
            key="attribution-partners",
            page="attribution:partners",
            label="Partner performance",
            cap=AttributionCap.VIEW,
            build=partner_performance_export,
            formats=("csv", "xlsx", "pdf"),
        )
    )
    export_register(
        ExportSpec(
            key="attribution-periods",
            page="attribution:periods",
            label="Attribution by period",
            cap=AttributionCap.VIEW,
            build=period_export,
            formats=("csv", "xlsx", "pdf"),
        )
    )
    export_register(
        ExportSpec(
            key="attribution-deal",
            page="attribution:deal",
            label="Deal attribution",
            cap=AttributionCap.VIEW,
            build=deal_export,
            formats=("csv", "xlsx", "pdf"),
            url_kwargs=("pk",),
        )
    )
