"""Database invariants of the attribution tables."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from attribution.models import AttributionSettings, DefaultSplits, OpportunityPartner, RevenueEvent
from tests.attribution.factories import OpportunityPartnerFactory, RevenueEventFactory

pytestmark = pytest.mark.django_db


def test_split_percent_above_100_is_refused_by_the_database(org):
    # given
    link = OpportunityPartnerFactory(organization=org, split_percent=Decimal("10"))
    # when
    with pytest.raises(IntegrityError), transaction.atomic():
        OpportunityPartner.objects.filter(pk=link.pk).update(split_percent=Decimal("100.01"))
    # then
    assert OpportunityPartner.objects.get(pk=link.pk).split_percent == Decimal("10.00")


def test_null_split_means_use_the_rules(org):
    # when
    link = OpportunityPartnerFactory(organization=org, split_percent=None)
    # then
    link.full_clean()
    assert OpportunityPartner.objects.get(pk=link.pk).split_percent is None


def test_revenue_event_needs_an_account_or_a_deal(org):
    # when
    with pytest.raises(IntegrityError), transaction.atomic():
        RevenueEvent.objects.create(
            organization=org, date=dt.date(2026, 1, 1), amount=Decimal("1"), source="api"
        )
    # then
    assert RevenueEvent.objects.count() == 0


def test_revenue_external_id_is_unique_per_organization(org, other_org):
    # given
    RevenueEventFactory(organization=org, external_id="inv-1")
    RevenueEventFactory(organization=other_org, external_id="inv-1")
    # when
    with pytest.raises(IntegrityError), transaction.atomic():
        RevenueEventFactory(organization=org, external_id="inv-1")
    # then
    assert RevenueEvent.objects.filter(external_id="inv-1").count() == 2


def test_default_splits_are_validated(org):
    # given
    settings = AttributionSettings(organization=org, default_splits={"referral": "150"})
    # when
    with pytest.raises(ValidationError) as raised:
        settings.full_clean()
    # then
    assert list(raised.value.message_dict) == ["default_splits"]
    assert not AttributionSettings.objects.exists()


def test_default_splits_are_normalised(org):
    # given
    settings = AttributionSettings(organization=org, default_splits={"referral": "7.5"})
    # when
    settings.full_clean()
    # then
    assert settings.default_splits == {"si": "0", "influence": "0", "referral": "7.5", "isv": "0"}
    assert settings.defaults == DefaultSplits(referral=Decimal("7.5"))
