"""A small attribution book for the page tests, with figures easy to compute by hand.

- Deal "Initech Analytics" (rep's, 10,000.00, Analytics, EMEA, Software): Alpha referral 10 %,
  Beta ISV 5 %; revenue 1,000.00 on 2026-01-20 → Alpha 100.00, Beta 50.00 (January).
- Deal "Umbrella Platform" (other rep's, 20,000.00): Alpha referral 20 %; revenue 2,000.00 on
  2026-02-10 → Alpha 400.00 (February).
Ledger: 3 entries, 550.00. Gross revenue 3,000.00.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from attribution.models import OpportunityPartner, RevenueEvent
from attribution.services.recompute import attribution_recompute
from revops.models import FiscalPeriod, Opportunity, Organization, Partner
from revops.services.periods import periods_ensure
from tests.attribution.factories import OpportunityPartnerFactory, RevenueEventFactory
from tests.revops.factories import AccountFactory, OpportunityFactory, PartnerFactory, ProductLineFactory


@dataclass
class Book:
    alpha: Partner
    beta: Partner
    deal: Opportunity
    other_deal: Opportunity
    alpha_link: OpportunityPartner
    beta_link: OpportunityPartner
    january: FiscalPeriod
    february: FiscalPeriod
    march: FiscalPeriod
    events: list[RevenueEvent]


def build_book(org: Organization, rep, other_rep) -> Book:
    periods_ensure(organization=org, start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 31))
    months = {p.start_date.month: p for p in FiscalPeriod.objects.filter(organization=org)}
    analytics = ProductLineFactory(organization=org, name="Analytics", code="analytics")
    platform = ProductLineFactory(organization=org, name="Platform", code="platform")
    alpha = PartnerFactory(organization=org, name="Alpha", tier="gold", types=["referral"])
    beta = PartnerFactory(organization=org, name="Beta", tier="silver", types=["isv"])
    initech = AccountFactory(
        organization=org, name="Initech", owner=rep.user, industry="Software", region="emea"
    )
    umbrella = AccountFactory(organization=org, name="Umbrella", owner=other_rep.user, region="na")
    deal = OpportunityFactory(
        organization=org,
        account=initech,
        owner=rep.user,
        name="Initech Analytics",
        amount=Decimal("10000.00"),
        stage="negotiation",
        product_line=analytics,
    )
    other_deal = OpportunityFactory(
        organization=org,
        account=umbrella,
        owner=other_rep.user,
        name="Umbrella Platform",
        amount=Decimal("20000.00"),
        stage="negotiation",
        product_line=platform,
    )
    alpha_link = OpportunityPartnerFactory(
        organization=org, opportunity=deal, partner=alpha, role="referral", split_percent=Decimal("10")
    )
    beta_link = OpportunityPartnerFactory(
        organization=org, opportunity=deal, partner=beta, role="isv", split_percent=Decimal("5")
    )
    OpportunityPartnerFactory(
        organization=org, opportunity=other_deal, partner=alpha, role="referral", split_percent=Decimal("20")
    )
    events = [
        RevenueEventFactory(
            organization=org, opportunity=deal, date=dt.date(2026, 1, 20), amount=Decimal("1000.00")
        ),
        RevenueEventFactory(
            organization=org, opportunity=other_deal, date=dt.date(2026, 2, 10), amount=Decimal("2000.00")
        ),
    ]
    attribution_recompute(organization=org)
    return Book(alpha, beta, deal, other_deal, alpha_link, beta_link, months[1], months[2], months[3], events)


def add_deals(org: Organization, owner, partner: Partner, count: int, *, start: int = 0) -> None:
    """`count` more deals of `owner`, each with `partner` at 10 % and a 100.00 revenue event, posted."""
    for i in range(start, start + count):
        deal = OpportunityFactory(
            organization=org, owner=owner, name=f"Extra {i}", amount=Decimal("1000.00"), stage="proposal"
        )
        OpportunityPartnerFactory(
            organization=org, opportunity=deal, partner=partner, role="referral", split_percent=Decimal("10")
        )
        RevenueEventFactory(
            organization=org, opportunity=deal, date=dt.date(2026, 3, 5), amount=Decimal("100.00")
        )
    attribution_recompute(organization=org)
