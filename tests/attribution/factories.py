"""factory_boy factories for partner attribution."""

import datetime as dt
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from attribution.models import AccountPartner, OpportunityPartner, RevenueEvent
from tests.revops.factories import AccountFactory, OpportunityFactory, OrganizationFactory, PartnerFactory


class OpportunityPartnerFactory(DjangoModelFactory):
    class Meta:
        model = OpportunityPartner

    organization = factory.SubFactory(OrganizationFactory)
    opportunity = factory.SubFactory(OpportunityFactory, organization=factory.SelfAttribute("..organization"))
    partner = factory.SubFactory(PartnerFactory, organization=factory.SelfAttribute("..organization"))
    role = "referral"
    split_percent = Decimal("10.00")


class AccountPartnerFactory(DjangoModelFactory):
    class Meta:
        model = AccountPartner

    organization = factory.SubFactory(OrganizationFactory)
    account = factory.SubFactory(AccountFactory, organization=factory.SelfAttribute("..organization"))
    partner = factory.SubFactory(PartnerFactory, organization=factory.SelfAttribute("..organization"))
    role = "influence"
    split_percent = Decimal("10.00")


class RevenueEventFactory(DjangoModelFactory):
    class Meta:
        model = RevenueEvent

    organization = factory.SubFactory(OrganizationFactory)
    opportunity = factory.SubFactory(OpportunityFactory, organization=factory.SelfAttribute("..organization"))
    account = factory.LazyAttribute(lambda e: e.opportunity.account if e.opportunity else None)
    date = dt.date(2026, 2, 10)
    amount = Decimal("1000.00")
    source = RevenueEvent.Source.CLOSED_WON_BOOKING
    external_id = factory.Sequence(lambda n: f"rev-{n}")
