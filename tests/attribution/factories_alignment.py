"""A small book for the ledger-alignment tests: three accounts, partners on the role defaults,
one fixed split, and the two views that must agree (the ledger's totals per deal and partner,
and what the deal page explains applied to the deal's revenue)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Sum

from attribution.credits import ShareInput, split_amounts
from attribution.models import AttributionEntry, AttributionSettings, RevenueEvent
from attribution.selectors.splits import deal_split_results
from attribution.services.jobs import attribution_recompute_enqueue
from revops.models import Opportunity
from revops.services.periods import periods_ensure
from tests.attribution.factories import OpportunityPartnerFactory, RevenueEventFactory
from tests.revops.factories import AccountFactory, OpportunityFactory, PartnerFactory

ZERO = Decimal("0.00")
DEFAULTS = {"si": "0", "influence": "2", "referral": "10", "isv": "5"}


def alignment_world(org):
    """Three accounts: ISV and referral partners on defaults, one fixed split, one deal without
    partners; two revenue events per deal."""
    periods_ensure(organization=org, start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 31))
    AttributionSettings.objects.create(organization=org, default_splits=DEFAULTS)
    isv = PartnerFactory(organization=org, name="Isv Co", tier="silver", types=["isv"])
    referral = PartnerFactory(organization=org, name="Referrer", tier="gold", types=["referral"])
    deals = []
    for i, (region, segment) in enumerate([("emea", "enterprise"), ("na", "smb"), ("apac", "mid_market")]):
        account = AccountFactory(organization=org, name=f"Account {i}", region=region, segment=segment)
        for j, amount in enumerate((Decimal("10000.00"), Decimal("60000.00"))):
            deal = OpportunityFactory(
                organization=org, account=account, name=f"Deal {i}.{j}", amount=amount, stage="negotiation"
            )
            deals.append(deal)
            for day, value in (
                (dt.date(2026, 1, 10), Decimal("1000.00")),
                (dt.date(2026, 2, 10), Decimal("333.33")),
            ):
                RevenueEventFactory(
                    organization=org, opportunity=deal, account=account, date=day, amount=value
                )
    OpportunityPartnerFactory(
        organization=org, opportunity=deals[0], partner=isv, role="isv", split_percent=None
    )
    OpportunityPartnerFactory(
        organization=org, opportunity=deals[0], partner=referral, role="referral", split_percent=None
    )
    OpportunityPartnerFactory(
        organization=org, opportunity=deals[2], partner=isv, role="isv", split_percent=None
    )
    OpportunityPartnerFactory(
        organization=org, opportunity=deals[3], partner=referral, role="referral", split_percent=Decimal("15")
    )
    OpportunityPartnerFactory(
        organization=org, opportunity=deals[4], partner=referral, role="referral", split_percent=None
    )
    return deals


def align_ledger(org, actor, capture, key="initial"):
    with capture(execute=True):
        job, _ = attribution_recompute_enqueue(organization=org, actor=actor, idempotency_key=key)
    job.refresh_from_db()
    return job


def ledger_by_deal(org) -> dict[int, dict[int, Decimal]]:
    rows = (
        AttributionEntry.objects.filter(organization=org)
        .values_list("revenue_event__opportunity_id", "partner_id")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    out: dict[int, dict[int, Decimal]] = defaultdict(dict)
    for deal_id, partner_id, total in rows:
        if total != ZERO:
            out[deal_id][partner_id] = total
    return dict(out)


def explained_by_deal(org) -> dict[int, dict[int, Decimal]]:
    """What the deal page explains, applied to each revenue event of the deal."""
    out: dict[int, dict[int, Decimal]] = {}
    for deal in Opportunity.objects.filter(organization=org).select_related("organization"):
        results = deal_split_results(deal=deal)
        shares = [ShareInput(r.partner_id, str(r.role), r.percent if r.allowed else ZERO) for r in results]
        totals: dict[int, Decimal] = defaultdict(lambda: ZERO)
        for amount in RevenueEvent.objects.filter(opportunity=deal).values_list("amount", flat=True):
            for share, credit in zip(shares, split_amounts(amount, shares), strict=True):
                totals[share.partner_id] += credit
        kept = {p: t for p, t in totals.items() if t != ZERO}
        if kept:
            out[deal.pk] = kept
    return out
