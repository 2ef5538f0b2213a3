"""Partner Performance report: every partner's attributed revenue, its change, by role, tier, month.

The same selector as the partner performance page (attribution.selectors.performance), for the
period and the one before it, in the member's scope.
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
from attribution.selectors.performance import TIER_LABELS, partner_performance
from revops.models import Membership
from revops.reports.kit import ZERO, Chart, Fmt, Kpi, Report, ReportParams, Table, change_pct

CHART_PARTNERS = 15


def partner_performance_report(*, membership: Membership, params: ReportParams, today: dt.date) -> Report:
    dates = dates_for(membership, params.period, today)
    previous = previous_range(dates)
    performance = partner_performance(membership=membership, dates=dates)
    prior = partner_performance(membership=membership, dates=previous) if previous else None
    before = {p.partner_id: p.amount for p in prior.partners} if prior else {}
    words = period_words(params.period, dates)
    report = new_report(
        key="partner-performance",
        title="Partner performance",
        subtitle=words,
        membership=membership,
        filename_stem="partner-performance-report",
        today=today,
    )
    currency = report.currency
    not_credited = performance.gross_revenue - performance.partner_credit
    count = len(performance.partners)
    report.summary = [
        f"{count:,} partner{'s' if count != 1 else ''} were credited {money(performance.partner_credit, currency)} "
        f"in {words[:1].lower() + words[1:]}, {change_words(performance.partner_credit, prior.partner_credit if prior else None, currency)}.",
        f"Of {money(performance.gross_revenue, currency)} of revenue recognized, "
        f"{money(not_credited, currency)} went to no partner.",
    ]
    if performance.partners:
        leader = performance.partners[0]
        report.summary.append(
            f"{leader.name} leads with {money(leader.amount, currency)} ({leader.share_percent}% of partner credit)."
        )
        growth = [(p.amount - before.get(p.partner_id, ZERO), p.name) for p in performance.partners]
        gain, name = max(growth)
        if prior is not None and gain > 0:
            report.summary.append(
                f"The largest gain on the previous period is {name}'s, {money(gain, currency)}."
            )
    if performance.roles:
        role = max(performance.roles, key=lambda r: r.amount)
        report.summary.append(f"By role, {role.label} credit is the largest: {money(role.amount, currency)}.")
    report.kpis = [
        Kpi(
            "Partner-attributed revenue",
            performance.partner_credit,
            Fmt.MONEY,
            change_pct(performance.partner_credit, prior.partner_credit) if prior else None,
        ),
        Kpi(
            "Revenue recognized",
            performance.gross_revenue,
            Fmt.MONEY,
            change_pct(performance.gross_revenue, prior.gross_revenue) if prior else None,
        ),
        Kpi("Not credited to a partner", not_credited, Fmt.MONEY),
        Kpi(
            "Partners credited",
            count,
            Fmt.COUNT,
            change_pct(Decimal(count), Decimal(len(prior.partners))) if prior else None,
        ),
    ]
    top = performance.partners[:CHART_PARTNERS]
    report.charts = [
        Chart(
            "Attributed revenue by partner",
            "barh",
            [p.name for p in top],
            [
                ("This period", [p.amount for p in top]),
                ("Previous", [before.get(p.partner_id, ZERO) for p in top]),
            ]
            if prior
            else [("This period", [p.amount for p in top])],
        ),
        Chart(
            "Attributed revenue by month",
            "line",
            [f"{m.month:%b %Y}" for m in performance.months],
            [("Attributed", [m.amount for m in performance.months])],
        ),
        Chart(
            "By role",
            "bar",
            [r.label for r in performance.roles],
            [("Attributed", [r.amount for r in performance.roles])],
        ),
    ]
    partners = [
        (
            rank,
            p.name,
            TIER_LABELS.get(p.tier, p.tier),
            p.deals,
            p.amount,
            p.share_percent,
            before.get(p.partner_id, ZERO) if prior else None,
            change_pct(p.amount, before.get(p.partner_id, ZERO)) if prior else None,
        )
        for rank, p in enumerate(performance.partners, start=1)
    ]
    credit = performance.partner_credit
    report.tables = [
        Table(
            "Partners",
            (
                "Rank",
                "Partner",
                "Tier",
                "Deals",
                "Attributed revenue",
                "Share %",
                "Previous period",
                "Change %",
            ),
            (Fmt.COUNT, Fmt.TEXT, Fmt.TEXT, Fmt.COUNT, Fmt.MONEY, Fmt.PERCENT, Fmt.MONEY, Fmt.PERCENT),
            partners,
            totals=(
                "",
                "Total",
                "",
                sum(p.deals for p in performance.partners),
                credit,
                Decimal(100) if count else ZERO,
                prior.partner_credit if prior else None,
                change_pct(credit, prior.partner_credit) if prior else None,
            ),
        ),
        Table(
            "By role",
            ("Role", "Attributed revenue"),
            (Fmt.TEXT, Fmt.MONEY),
            [(r.label, r.amount) for r in performance.roles],
            totals=("Total", credit),
        ),
        Table(
            "By partner tier",
            ("Tier", "Attributed revenue"),
            (Fmt.TEXT, Fmt.MONEY),
            [(t.label, t.amount) for t in performance.tiers],
            totals=("Total", credit),
        ),
        Table(
            "By month",
            ("Month", "Attributed revenue"),
            (Fmt.TEXT, Fmt.MONEY),
            [(f"{m.month:%b %Y}", m.amount) for m in performance.months],
            totals=("Total", credit),
        ),
    ]
    return report
