"""factory_boy factories for distribution: campaigns, leads, salesperson profiles."""

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from distribution.models import Campaign, Lead, SalespersonProfile
from tests.revops.factories import OrganizationFactory


class CampaignFactory(DjangoModelFactory):
    class Meta:
        model = Campaign
        django_get_or_create = ("organization", "name")

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Campaign {n}")


class LeadFactory(DjangoModelFactory):
    class Meta:
        model = Lead

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Lead Person {n}")
    email = factory.Sequence(lambda n: f"lead{n}@prospect{n}.example")
    phone = "+1 555 0100"
    web_source = "Google"
    status = "New"
    received_at = factory.LazyFunction(lambda: dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC))


class SalespersonProfileFactory(DjangoModelFactory):
    class Meta:
        model = SalespersonProfile

    organization = factory.SubFactory(OrganizationFactory)
    user = None
    campaign = None
    level = "senior"
    working_days = factory.LazyFunction(lambda: [1, 2, 3, 4, 5, 6, 7])
