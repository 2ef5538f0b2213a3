"""Account Drilldown report: one account's deals, partners, splits and ledger lines.

The account page's reads (revops.selectors.accounts), the deal page's splits
(attribution.selectors.deal) and the ledger explorer's `account` filter, in the member's scope:
a rep sees the account only if they may, and on it only their own deals and their lines.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404

from attribution.reports.common import money, new_report
from attribution.selectors.deal import deal_links, deal_splits
from attribution.selectors.ledger import (
    LEDGER_EXPORT_HEADERS,
    LedgerTotals,
    ledger_export_rows,
    ledger_list,
    ledger_totals,
)
from attribution.selectors.performance import ROLE_LABELS
from attribution.selectors.visible import account_partner_list
from revops.models import Membership
from revops.reports.kit import ZERO, Chart, Fmt, Kpi, Report, ReportParams, Rows, Table
from revops.selectors.accounts import account_deals, account_get, deal_totals

# Splits are worked out per deal (the engine runs on its links): an account with more deals
# lists the splits of its most recent ones, and says so.
SPLIT_DEALS = 100
LEDGER_FORMATS = (
    Fmt.COUNT,
    Fmt.DATETIME,
    Fmt.DATE,
    Fmt.TEXT,
    Fmt.TEXT,
    Fmt.TEXT,
    Fmt.TEXT,
    Fmt.PERCENT,
    Fmt.MONEY,
    Fmt.TEXT,
    Fmt.TEXT,
    Fmt.TEXT,
    Fmt.TEXT,
    Fmt.TEXT,
    Fmt.TEXT,
    Fmt.TEXT,
)


def ledger_table(*, title: str, membership: Membership, filters: dict) -> tuple[Table, LedgerTotals]:
    """The ledger explorer's lines for `filters` as a long table, with its totals."""
    filterset, qs = ledger_list(membership=membership, filters=filters)
    totals = ledger_totals(qs, membership=membership, filterset=filterset)
    row: list[Any] = [None] * len(LEDGER_EXPORT_HEADERS)
    row[0], row[8] = f"{totals.count:,} lines", totals.amount
    table = Table(
        title,
        LEDGER_EXPORT_HEADERS,
        LEDGER_FORMATS,
        Rows(lambda: ledger_export_rows(qs)),
        totals=tuple(row),
        count=totals.count,
        long=True,
    )
    return table, totals


def account_drilldown_report(*, membership: Membership, params: ReportParams, today: dt.date) -> Report:
    try:
        account = account_get(membership=membership, pk=params.account_id or 0)
    except Http404:
        raise ValidationError("The account of this report is not one you may see.") from None
    deals = account_deals(membership=membership, account=account)
    figures = deal_totals(deals)
    deal_list = list(deals)
    report = new_report(
        key="account-drilldown",
        title="Account drilldown",
        subtitle=account.name,
        membership=membership,
        filename_stem=f"account-{account.pk}-report",
        today=today,
    )
    currency = report.currency
    split_rows = []
    for deal in deal_list[:SPLIT_DEALS]:
        for split in deal_splits(deal=deal, links=deal_links(membership=membership, deal=deal)):
            split_rows.append(
                (
                    deal.name,
                    split.link.partner.name,
                    ROLE_LABELS.get(split.link.role, split.link.role),
                    split.percent,
                    split.credit,
                    "yes" if split.allowed else "no",
                    split.explanation,
                )
            )
    relationships = list(
        account_partner_list(membership=membership, account_id=account.pk).order_by("partner__name")
    )
    ledger, totals = ledger_table(
        title="Ledger lines", membership=membership, filters={"account": account.pk}
    )
    report.summary = [
        f"{account.name} has {len(deal_list):,} deal{'s' if len(deal_list) != 1 else ''} you may see: "
        f"{figures.open_count:,} open worth {money(figures.open_amount, currency)}, "
        f"{figures.won_count:,} won worth {money(figures.won_amount, currency)} and {figures.lost_count:,} lost.",
        f"{len(relationships):,} partner relationship{'s' if len(relationships) != 1 else ''} on the account; "
        f"the ledger credits partners {money(totals.amount, currency)} in {totals.count:,} line"
        f"{'s' if totals.count != 1 else ''} on it.",
    ]
    if len(deal_list) > SPLIT_DEALS:
        report.summary.append(f"Splits are listed for the {SPLIT_DEALS} most recent deals.")
    report.kpis = [
        Kpi("Won", figures.won_amount, Fmt.MONEY, note=f"{figures.won_count:,} deals"),
        Kpi("Open pipeline", figures.open_amount, Fmt.MONEY, note=f"{figures.open_count:,} deals"),
        Kpi("Partner credit (ledger)", totals.amount, Fmt.MONEY, note=f"{totals.count:,} lines"),
    ]
    by_partner: dict[str, Decimal] = {}
    for row in split_rows:
        by_partner[row[1]] = by_partner.get(row[1], ZERO) + row[4]
    report.charts = [
        Chart(
            "Credit by partner on the account's deals",
            "barh",
            list(by_partner),
            [("Credit", list(by_partner.values()))],
        )
    ]
    deal_rows = [
        (
            d.name,
            d.get_stage_display(),
            (d.owner.get_full_name() or d.owner.email) if d.owner else "",
            d.created_date,
            d.close_date,
            d.amount,
        )
        for d in deal_list
    ]
    report.tables = [
        Table(
            "Deals",
            ("Deal", "Stage", "Owner", "Created", "Closed", "Amount"),
            (Fmt.TEXT, Fmt.TEXT, Fmt.TEXT, Fmt.DATE, Fmt.DATE, Fmt.MONEY),
            deal_rows,
            totals=("Total", "", "", None, None, sum((d.amount for d in deal_list), ZERO)),
        ),
        Table(
            "Partners",
            ("Partner", "Role", "Split %", "Status"),
            (Fmt.TEXT, Fmt.TEXT, Fmt.PERCENT, Fmt.TEXT),
            [
                (r.partner.name, ROLE_LABELS.get(r.role, r.role), r.split_percent, r.get_status_display())
                for r in relationships
            ],
        ),
        Table(
            "Splits",
            ("Deal", "Partner", "Role", "Split %", "Credit on deal value", "Allowed", "Why"),
            (Fmt.TEXT, Fmt.TEXT, Fmt.TEXT, Fmt.PERCENT, Fmt.MONEY, Fmt.TEXT, Fmt.TEXT),
            split_rows,
            totals=("Total", "", "", None, sum((r[4] for r in split_rows), ZERO), "", ""),
        ),
        ledger,
    ]
    return report
