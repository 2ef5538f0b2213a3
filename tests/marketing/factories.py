"""Factories and a small world of journeys for marketing tests."""

import datetime as dt
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from attribution.marketing.models import Campaign, CampaignSpend, Channel, Touchpoint
from tests.revops.factories import AccountFactory, OpportunityFactory, OrganizationFactory


class ChannelFactory(DjangoModelFactory):
    class Meta:
        model = Channel
        django_get_or_create = ("organization", "name")

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Channel {n}")
    grouping = "Paid"


class CampaignFactory(DjangoModelFactory):
    class Meta:
        model = Campaign

    organization = factory.SubFactory(OrganizationFactory)
    channel = factory.SubFactory(ChannelFactory, organization=factory.SelfAttribute("..organization"))
    name = factory.Sequence(lambda n: f"Campaign {n}")


class SpendFactory(DjangoModelFactory):
    class Meta:
        model = CampaignSpend

    organization = factory.SelfAttribute("campaign.organization")
    campaign = factory.SubFactory(CampaignFactory)
    month = dt.date(2026, 1, 1)
    amount = Decimal("1000.00")


class TouchFactory(DjangoModelFactory):
    class Meta:
        model = Touchpoint

    organization = factory.SubFactory(OrganizationFactory)
    channel = factory.SubFactory(ChannelFactory, organization=factory.SelfAttribute("..organization"))
    occurred_at = factory.LazyFunction(lambda: dt.datetime(2026, 1, 10, 12, tzinfo=dt.UTC))
    contact_key = factory.Sequence(lambda n: f"contact-{n}@example.test")
    external_id = factory.Sequence(lambda n: f"touch-{n}")


def at(day: int, month: int = 1, hour: int = 12) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=dt.UTC)


def small_world(org, *, owner=None, other_owner=None):
    """Three accounts with journeys in January 2026, by hand:

    * Alpha (owner): search@2, email@5, webinar@8; opportunity created 10 Jan, 9,000, open
    * Beta (other owner): email@3, search@4; opportunity created 12 Jan, 3,000, closed won
    * Gamma (owner): search@6 – no opportunity
    """
    search = ChannelFactory(organization=org, name="Search", grouping="Paid")
    email = ChannelFactory(organization=org, name="Email", grouping="Owned")
    webinar = ChannelFactory(organization=org, name="Webinar", grouping="Offline")
    camp = CampaignFactory(organization=org, channel=search, name="Brand search")
    SpendFactory(campaign=camp, month=dt.date(2026, 1, 1), amount=Decimal("600.00"))
    alpha = AccountFactory(
        organization=org, name="Alpha", owner=owner.user if owner else None, external_id="A-1"
    )
    beta = AccountFactory(
        organization=org, name="Beta", owner=other_owner.user if other_owner else None, external_id="B-1"
    )
    gamma = AccountFactory(
        organization=org, name="Gamma", owner=owner.user if owner else None, external_id="G-1"
    )
    opp_a = OpportunityFactory(
        organization=org,
        account=alpha,
        owner=owner.user if owner else None,
        name="Alpha expansion",
        amount=Decimal("9000.00"),
        created_date=dt.date(2026, 1, 10),
        stage="proposal",
    )
    opp_b = OpportunityFactory(
        organization=org,
        account=beta,
        owner=other_owner.user if other_owner else None,
        name="Beta renewal",
        amount=Decimal("3000.00"),
        created_date=dt.date(2026, 1, 12),
        stage="closed_won",
        expected_close_date=dt.date(2026, 1, 20),
    )
    touches = {
        "a1": TouchFactory(organization=org, account=alpha, channel=search, campaign=camp, occurred_at=at(2)),
        "a2": TouchFactory(organization=org, account=alpha, channel=email, occurred_at=at(5)),
        "a3": TouchFactory(organization=org, account=alpha, channel=webinar, occurred_at=at(8)),
        "b1": TouchFactory(organization=org, account=beta, channel=email, occurred_at=at(3)),
        "b2": TouchFactory(organization=org, account=beta, channel=search, campaign=camp, occurred_at=at(4)),
        "g1": TouchFactory(organization=org, account=gamma, channel=search, occurred_at=at(6)),
    }
    return {
        "channels": {"search": search, "email": email, "webinar": webinar},
        "campaign": camp,
        "accounts": {"alpha": alpha, "beta": beta, "gamma": gamma},
        "opportunities": {"alpha": opp_a, "beta": opp_b},
        "touches": touches,
    }
