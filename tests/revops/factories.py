"""factory_boy factories for the core model."""

import datetime as dt
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from revops.models import (
    Account,
    FiscalPeriod,
    JobRun,
    Membership,
    Opportunity,
    OpportunityStageChange,
    Organization,
    Partner,
    Product,
    ProductLine,
    User,
)


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Org {n}")
    slug = factory.Sequence(lambda n: f"org{n}")
    currency = "USD"
    time_zone = "UTC"
    fiscal_year_start_month = 1


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("revops-test-pw")


class PartnerFactory(DjangoModelFactory):
    class Meta:
        model = Partner

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Partner {n}")
    domain = factory.LazyAttribute(lambda p: f"{p.name.lower().replace(' ', '')}.example")
    types = factory.LazyFunction(lambda: ["referral"])
    tier = Partner.Tier.SILVER
    status = Partner.Status.ACTIVE
    lifecycle_stage = Partner.Lifecycle.ACTIVE


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    role = "rep"
    partner = factory.Maybe(
        factory.LazyAttribute(lambda m: m.role == "partner"),
        yes_declaration=factory.SubFactory(
            PartnerFactory, organization=factory.SelfAttribute("..organization")
        ),
        no_declaration=None,
    )


class ProductLineFactory(DjangoModelFactory):
    class Meta:
        model = ProductLine

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Line {n}")
    code = factory.Sequence(lambda n: f"line-{n}")


class ProductFactory(DjangoModelFactory):
    class Meta:
        model = Product

    organization = factory.SubFactory(OrganizationFactory)
    product_line = factory.SubFactory(
        ProductLineFactory, organization=factory.SelfAttribute("..organization")
    )
    name = factory.Sequence(lambda n: f"Product {n}")
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    list_price = Decimal("1000.00")


class AccountFactory(DjangoModelFactory):
    class Meta:
        model = Account

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Account {n}")
    domain = factory.LazyAttribute(lambda a: f"{a.name.lower().replace(' ', '')}.example")
    industry = "Software"
    segment = "mid_market"
    region = "na"


class OpportunityFactory(DjangoModelFactory):
    class Meta:
        model = Opportunity

    organization = factory.SubFactory(OrganizationFactory)
    account = factory.SubFactory(AccountFactory, organization=factory.SelfAttribute("..organization"))
    name = factory.Sequence(lambda n: f"Deal {n}")
    stage = "prospecting"
    amount = Decimal("10000.00")
    currency = "USD"
    created_date = factory.LazyFunction(lambda: dt.date(2026, 1, 15))
    expected_close_date = factory.LazyFunction(lambda: dt.date(2026, 6, 30))
    close_date = factory.LazyAttribute(
        lambda o: o.expected_close_date if o.stage in ("closed_won", "closed_lost") else None
    )
    lead_source = "Web"


class StageChangeFactory(DjangoModelFactory):
    class Meta:
        model = OpportunityStageChange

    opportunity = factory.SubFactory(OpportunityFactory)
    organization = factory.SelfAttribute("opportunity.organization")
    from_stage = ""
    to_stage = factory.SelfAttribute("opportunity.stage")
    amount = factory.SelfAttribute("opportunity.amount")
    changed_at = factory.LazyFunction(lambda: dt.datetime(2026, 1, 15, 12, tzinfo=dt.UTC))


class FiscalPeriodFactory(DjangoModelFactory):
    class Meta:
        model = FiscalPeriod

    organization = factory.SubFactory(OrganizationFactory)
    start_date = dt.date(2026, 1, 1)
    end_date = dt.date(2026, 1, 31)
    fiscal_year = 2026
    fiscal_quarter = 1


class JobRunFactory(DjangoModelFactory):
    class Meta:
        model = JobRun

    organization = factory.SubFactory(OrganizationFactory)
    kind = "test.job"
    idempotency_key = factory.Sequence(lambda n: f"key-{n}")
