"""Exports of the partner analytics tables: each table of the page has its own URL and file
(CSV or Excel, formula-safe through the export kit; beyond the kit's inline limit a JobRun
writes it). Built from the same selectors as the page, with the member's scope and filters."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from partners.forms import AnalyticsFilterForm
from partners.permissions import PartnerCap
from partners.selectors.analytics import (
    AnalyticsFilter,
    MoneySplit,
    deal_comparison,
    leaderboard,
    pipeline_split,
    registration_funnel,
    revenue_split,
)
from revops.export_registry import ExportData, ExportSpec, export_register
from revops.exports import ExportTable
from revops.models import Membership

MONEY_HEADERS = ("Partner", "Tier", "Sourced", "Sourced deals", "Influenced", "Influenced deals", "Total")


def _filters(membership: Membership, params: Mapping) -> tuple[AnalyticsFilter, list[tuple[str, str]]]:
    form = AnalyticsFilterForm(params)
    filters = form.selected(membership.organization)
    dates = filters.dates
    period = f"{dates.start} – {dates.end}" if dates.bounded else "all time"
    summary = [("Period", period)]
    for name in ("role", "tier", "region"):
        value = getattr(filters, name)
        if value:
            summary.append(
                (str(form.fields[name].label or name.title()), dict(form.fields[name].choices)[value])
            )
    return filters, summary


def _money_table(title: str, split: MoneySplit) -> ExportTable:
    rows: list[tuple] = [
        (p.name, p.tier, p.sourced, p.sourced_deals, p.influenced, p.influenced_deals, p.total)
        for p in split.partners
    ]
    rows.append(
        (
            "All partners",
            "",
            split.sourced,
            split.sourced_deals,
            split.influenced,
            split.influenced_deals,
            split.total,
        )
    )
    return ExportTable(title, MONEY_HEADERS, rows, len(rows))


def revenue_export(*, membership: Membership, params: Mapping) -> ExportData:
    filters, summary = _filters(membership, params)
    table = _money_table("Revenue", revenue_split(membership=membership, filters=filters))
    return ExportData("partner-revenue", "Partner revenue, sourced and influenced", [table], summary)


def pipeline_export(*, membership: Membership, params: Mapping) -> ExportData:
    filters, summary = _filters(membership, params)
    table = _money_table("Pipeline", pipeline_split(membership=membership, filters=filters))
    return ExportData("partner-pipeline", "Partner pipeline, sourced and influenced", [table], summary)


def funnel_export(*, membership: Membership, params: Mapping) -> ExportData:
    filters, summary = _filters(membership, params)
    funnel = registration_funnel(membership=membership, filters=filters)
    headers = (
        "Partner",
        "Submitted",
        "Approved",
        "Rejected",
        "Won",
        "Approval %",
        "Win %",
        "Median hours to decision",
    )
    rows = [
        (
            r.name,
            r.submitted,
            r.approved,
            r.rejected,
            r.won,
            r.approval_rate,
            r.win_rate,
            r.median_hours_to_decision,
        )
        for r in [*funnel.partners, funnel.overall]
    ]
    return ExportData(
        "registration-funnel",
        "Registration funnel",
        [ExportTable("Funnel", headers, rows, len(rows))],
        summary,
    )


def leaderboard_export(*, membership: Membership, params: Mapping) -> ExportData:
    filters, summary = _filters(membership, params)
    revenue = revenue_split(membership=membership, filters=filters)
    funnel = registration_funnel(membership=membership, filters=filters)
    board = leaderboard(membership=membership, filters=filters, revenue=revenue, funnel=funnel)
    headers = (
        "#",
        "Partner",
        "Tier",
        "Revenue",
        "Registrations won",
        "Deals closed",
        "Deals won",
        "Win %",
        "Health",
    )
    rows = [
        (i, r.name, r.tier, r.revenue, r.registrations_won, r.deals_closed, r.deals_won, r.win_rate, r.health)
        for i, r in enumerate(board.rows, start=1)
    ]
    return ExportData(
        "partner-leaderboard",
        "Partner leaderboard",
        [ExportTable("Leaderboard", headers, rows, len(rows))],
        summary,
    )


def _rate(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(round(value * 100, 1)))


def _days(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(round(value, 1)))


def comparison_export(*, membership: Membership, params: Mapping) -> ExportData:
    filters, summary = _filters(membership, params)
    result = deal_comparison(membership=membership, filters=filters)
    win, cycle = result.win_rate_difference, result.cycle_days_difference
    headers = ("Measure", "With a partner", "Without", "Difference", "95 % CI low", "95 % CI high")
    rows = [
        (
            "Win rate (%)",
            _rate(result.partner_win_rate),
            _rate(result.other_win_rate),
            _rate(win.estimate) if win else None,
            _rate(win.low) if win else None,
            _rate(win.high) if win else None,
        ),
        (
            "Cycle time (days)",
            _days(result.partner_cycle_days),
            _days(result.other_cycle_days),
            _days(cycle.estimate) if cycle else None,
            _days(cycle.low) if cycle else None,
            _days(cycle.high) if cycle else None,
        ),
    ]
    summary += [
        ("Pairs", str(result.pairs)),
        ("Strata with pairs", str(result.strata)),
        ("Unmatched partner deals", str(result.unmatched_partner)),
        ("Unmatched deals without a partner", str(result.unmatched_other)),
    ]
    pair_rows = [(p, o) for p, o in result.pair_ids]
    return ExportData(
        "partner-deal-comparison",
        "Deals with a partner against matched deals without one",
        [
            ExportTable("Comparison", headers, rows, len(rows)),
            ExportTable("Pairs", ("Deal with a partner", "Matched deal without"), pair_rows, len(pair_rows)),
        ],
        summary,
    )


TABLES = (
    ("partners-analytics-revenue", "partners:analytics-revenue", "Partner revenue", revenue_export),
    ("partners-analytics-pipeline", "partners:analytics-pipeline", "Partner pipeline", pipeline_export),
    ("partners-analytics-comparison", "partners:analytics-comparison", "Deal comparison", comparison_export),
    ("partners-analytics-funnel", "partners:analytics-funnel", "Registration funnel", funnel_export),
    (
        "partners-analytics-leaderboard",
        "partners:analytics-leaderboard",
        "Partner leaderboard",
        leaderboard_export,
    ),
)


def register_analytics_exports() -> None:
    for key, page, label, build in TABLES:
        export_register(
            ExportSpec(key=key, page=page, label=label, cap=PartnerCap.ANALYTICS_VIEW, build=build)
        )
