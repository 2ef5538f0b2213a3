"""Executive report: pipeline, bookings, partner contribution, top partners, period over period.

Figures come from the dashboard's selectors (revops.selectors.dashboard) and partner
performance (attribution.selectors.performance), both in the member's scope: a rep's report
holds only their deals.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from attribution.reports.common import (
    change_words,
    dates_for,
    money,
    new_report,
    period_words,
    previous_range,
)
from attribution.selectors.performance import TIER_LABELS, PartnerPerformance, partner_performance
from revops.models import Membership
from revops.models.crm import OPEN_STAGES, Stage
from revops.reports.kit import ZERO, Chart, Fmt, Kpi, Report, ReportParams, Table, change_pct
from revops.selectors.dashboard import (
    Kpis,
    dashboard_day_totals,
    dashboard_kpis,
    dashboard_months,
    dashboard_opportunities,
    dashboard_stages,
)
from revops.selectors.periods import DateRange, fiscal_quarter_range

TOP_PARTNERS = 10
TOP_DEALS = 25  # largest deals won and largest open deals listed by name


def _contribution(performance: PartnerPerformance) -> Decimal:
    if not performance.gross_revenue:
        return ZERO
    return (performance.partner_credit * 100 / performance.gross_revenue).quantize(Decimal("0.1"))


def _deal_rows(qs) -> list[tuple]:
    return [
        (
            d.name,
            d.account.name,
            (d.owner.get_full_name() or d.owner.email) if d.owner else "",
            d.get_stage_display(),
            d.close_date or d.expected_close_date,
            d.amount,
        )
        for d in qs.select_related("account", "owner")[:TOP_DEALS]
    ]


def _summary(
    report: Report,
    kpis: Kpis,
    previous: Kpis | None,
    performance: PartnerPerformance,
    prior: PartnerPerformance | None,
    period: str,
) -> list[str]:
    currency = report.currency
    lines = [
        f"Bookings were {money(kpis.won_amount, currency)} from {kpis.won_count:,} deal"
        f"{'s' if kpis.won_count != 1 else ''} won in {period}, "
        f"{change_words(kpis.won_amount, previous.won_amount if previous else None, currency)}.",
        f"Open pipeline stands at {money(kpis.open_pipeline, currency)} across {kpis.open_count:,} open deal"
        f"{'s' if kpis.open_count != 1 else ''}"
        + (
            f"; {kpis.win_rate_pct}% of the deals closed in the period were won."
            if kpis.win_rate_pct is not None
            else "."
        ),
        f"Partners were credited {money(performance.partner_credit, currency)}, "
        f"{_contribution(performance)}% of the {money(performance.gross_revenue, currency)} of revenue recognized, "
        f"{change_words(performance.partner_credit, prior.partner_credit if prior else None, currency)}.",
    ]
    if performance.partners:
        leader = performance.partners[0]
        lines.append(
            f"The leading partner, {leader.name}, accounts for {leader.share_percent}% of partner credit "
            f"({money(leader.amount, currency)} on {leader.deals:,} deal{'s' if leader.deals != 1 else ''})."
        )
    else:
        lines.append("No partner was credited in the period.")
    return lines


def executive_report(*, membership: Membership, params: ReportParams, today: dt.date) -> Report:
    organization = membership.organization
    dates = dates_for(membership, params.period, today)
    previous = previous_range(dates)
    qs = dashboard_opportunities(membership)
    window = DateRange(previous.start, dates.end) if previous else dates
    days = dashboard_day_totals(qs, window)
    this_q, last_q = fiscal_quarter_range(organization, today), fiscal_quarter_range(organization, today, -1)
    kpis = dashboard_kpis(days, dates, this_q, last_q)
    before = dashboard_kpis(days, previous, this_q, last_q) if previous else None
    stages = [s for s in dashboard_stages(days, dates) if s.stage in OPEN_STAGES]
    months = dashboard_months(days, dates, today)
    performance = partner_performance(membership=membership, dates=dates)
    prior = partner_performance(membership=membership, dates=previous) if previous else None
    words = period_words(params.period, dates)
    report = new_report(
        key="executive",
        title="Executive report",
        subtitle=words,
        membership=membership,
        filename_stem="executive-report",
        today=today,
    )
    currency = report.currency
    report.summary = _summary(report, kpis, before, performance, prior, words[:1].lower() + words[1:])
    contribution = _contribution(performance)
    report.kpis = [
        Kpi(
            "Bookings (won)",
            kpis.won_amount,
            Fmt.MONEY,
            change_pct(kpis.won_amount, before.won_amount) if before else None,
        ),
        Kpi(
            "Deals won",
            kpis.won_count,
            Fmt.COUNT,
            change_pct(Decimal(kpis.won_count), Decimal(before.won_count)) if before else None,
        ),
        Kpi("Open pipeline", kpis.open_pipeline, Fmt.MONEY, note=f"{kpis.open_count:,} open deals"),
        Kpi(
            "Partner-attributed revenue",
            performance.partner_credit,
            Fmt.MONEY,
            change_pct(performance.partner_credit, prior.partner_credit) if prior else None,
        ),
        Kpi(
            "Partner contribution",
            contribution,
            Fmt.PERCENT,
            note=f"of {money(performance.gross_revenue, currency)} revenue",
        ),
        Kpi(
            "Win rate",
            kpis.win_rate_pct if kpis.win_rate_pct is not None else ZERO,
            Fmt.PERCENT,
            note="won of deals closed in the period",
        ),
    ]
    top = performance.partners[:TOP_PARTNERS]
    report.charts = [
        Chart(
            "Bookings by month",
            "bar",
            [f"{m.month:%b %Y}" for m in months],
            [("Won", [m.amount for m in months])],
        ),
        Chart(
            "Open pipeline by stage", "bar", [s.label for s in stages], [("Open", [s.amount for s in stages])]
        ),
        Chart(
            "Top partners by attributed revenue",
            "barh",
            [p.name for p in top],
            [("Attributed", [p.amount for p in top])],
        ),
    ]
    pop = [
        ("Bookings (won)", kpis.won_amount, before.won_amount if before else None),
        ("Open pipeline (now)", kpis.open_pipeline, None),
        ("Partner-attributed revenue", performance.partner_credit, prior.partner_credit if prior else None),
        ("Revenue recognized", performance.gross_revenue, prior.gross_revenue if prior else None),
    ]
    won = (
        qs.filter(stage=Stage.CLOSED_WON, close_date__gte=dates.start, close_date__lte=dates.end)
        if dates.start
        else qs.filter(stage=Stage.CLOSED_WON)
    )
    report.tables = [
        Table(
            "Period over period",
            ("Figure", "This period", "Previous period", "Change %"),
            (Fmt.TEXT, Fmt.MONEY, Fmt.MONEY, Fmt.PERCENT),
            [
                (label, now, then, change_pct(now, then) if then is not None else None)
                for label, now, then in pop
            ],
            note=f"Previous period: {previous.start} – {previous.end}."
            if previous
            else "All time: no previous period.",
        ),
        Table(
            "Open pipeline by stage",
            ("Stage", "Deals", "Amount"),
            (Fmt.TEXT, Fmt.COUNT, Fmt.MONEY),
            [(s.label, s.count, s.amount) for s in stages],
            totals=("Total", kpis.open_count, kpis.open_pipeline),
        ),
        Table(
            "Bookings by month",
            ("Month", "Deals won", "Amount"),
            (Fmt.TEXT, Fmt.COUNT, Fmt.MONEY),
            [(f"{m.month:%b %Y}", m.count, m.amount) for m in months],
            totals=("Total", sum(m.count for m in months), sum((m.amount for m in months), ZERO)),
        ),
        Table(
            "Top partners",
            ("Rank", "Partner", "Tier", "Deals", "Attributed revenue", "Share %"),
            (Fmt.COUNT, Fmt.TEXT, Fmt.TEXT, Fmt.COUNT, Fmt.MONEY, Fmt.PERCENT),
            [
                (rank, p.name, TIER_LABELS.get(p.tier, p.tier), p.deals, p.amount, p.share_percent)
                for rank, p in enumerate(top, start=1)
            ],
            totals=(
                "",
                f"All {len(performance.partners):,} partners",
                "",
                None,
                performance.partner_credit,
                Decimal(100) if performance.partners else ZERO,
            ),
        ),
        Table(
            "Largest deals won",
            ("Deal", "Account", "Owner", "Stage", "Close date", "Amount"),
            (Fmt.TEXT, Fmt.TEXT, Fmt.TEXT, Fmt.TEXT, Fmt.DATE, Fmt.MONEY),
            _deal_rows(won.order_by("-amount", "id")),
            note=f"The {TOP_DEALS} largest; every won deal is in the bookings figures.",
        ),
        Table(
            "Largest open deals",
            ("Deal", "Account", "Owner", "Stage", "Expected close", "Amount"),
            (Fmt.TEXT, Fmt.TEXT, Fmt.TEXT, Fmt.TEXT, Fmt.DATE, Fmt.MONEY),
            _deal_rows(qs.filter(stage__in=OPEN_STAGES).order_by("-amount", "id")),
            note=f"The {TOP_DEALS} largest of the open pipeline.",
        ),
    ]
    return report
