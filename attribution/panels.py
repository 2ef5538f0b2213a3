"""Partner attribution's panels on the core record pages (account, partner, deal).

Registered from AttributionConfig.ready; each builds its partial's context from
attribution.selectors.records, scoped to the member.
"""

from __future__ import annotations

from attribution import charts
from attribution.models import AttributionEntry, LinkStatus, PartnerRole
from attribution.permissions import AttributionCap
from attribution.selectors import records
from revops.labels import labels_register
from revops.models import Account, Membership, Opportunity, Partner
from revops.panels import RecordPanel, record_panel_register
from revops.selectors.periods import organization_today


def _account_partners(*, membership: Membership, record: Account) -> dict:
    return {"links": records.account_link_rows(membership=membership, account=record), "account": record}


def _account_revenue(*, membership: Membership, record: Account) -> dict:
    entries = records.account_entries(membership=membership, account=record)
    totals = records.totals_by_partner(entries)
    return {
        "totals": totals,
        "total": sum((t.amount for t in totals), records.ZERO),
        "lines": records.latest_lines(entries),
        "ledger_query": f"account={record.pk}",
    }


def _partner_deals(*, membership: Membership, record: Partner) -> dict:
    return {
        "links": records.partner_deal_rows(membership=membership, partner=record),
        "shown": records.DEALS_SHOWN,
    }


def _partner_revenue(*, membership: Membership, record: Partner) -> dict:
    entries = records.partner_entries(membership=membership, partner=record)
    today = organization_today(membership.organization)
    months = records.monthly_amounts(entries, today=today)
    return {
        "chart": charts.monthly_trend(months, today=today) if any(m.amount for m in months) else "",
        "months": len(months),
        "chart_months": months,
        "total": sum((m.amount for m in months), records.ZERO),
        "lines": records.latest_lines(entries),
        "ledger_query": f"partner={record.pk}",
    }


def _deal_partners(*, membership: Membership, record: Opportunity) -> dict:
    entries = records.deal_entries_of(membership=membership, deal=record)
    totals = records.totals_by_partner(entries)
    return {
        "links": records.deal_link_rows(membership=membership, deal=record),
        "totals": totals,
        "total": sum((t.amount for t in totals), records.ZERO),
        "deal": record,
        "ledger_query": f"opportunity={record.pk}",
    }


PANELS = (
    RecordPanel(
        "account",
        "attribution-partners",
        "Partners and splits",
        AttributionCap.VIEW,
        "attribution/partials/panel_links.html",
        _account_partners,
        order=10,
    ),
    RecordPanel(
        "account",
        "attribution-revenue",
        "Attributed revenue",
        AttributionCap.VIEW,
        "attribution/partials/panel_revenue.html",
        _account_revenue,
        order=20,
    ),
    RecordPanel(
        "partner",
        "attribution-revenue",
        "Attributed revenue",
        AttributionCap.VIEW,
        "attribution/partials/panel_revenue.html",
        _partner_revenue,
        order=10,
    ),
    RecordPanel(
        "partner",
        "attribution-deals",
        "Deals",
        AttributionCap.VIEW,
        "attribution/partials/panel_links.html",
        _partner_deals,
        order=20,
    ),
    RecordPanel(
        "deal",
        "attribution-partners",
        "Partners",
        AttributionCap.VIEW,
        "attribution/partials/panel_deal.html",
        _deal_partners,
        order=10,
    ),
)


def register_panels() -> None:
    for panel in PANELS:
        record_panel_register(panel)
    labels_register("partner_role", PartnerRole)
    labels_register("link_status", LinkStatus)
    labels_register("ledger_kind", AttributionEntry.Kind)
    labels_register("ledger_scope", AttributionEntry.Scope)
