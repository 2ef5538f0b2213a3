"""The core's provider registry: fallbacks labelled, registered providers used, gaps filled."""

import datetime as dt
from decimal import Decimal

import pytest

from revops import providers
from revops.models.crm import Stage
from revops.selectors.stage_rates import PRIOR_DEALS
from tests.revops.factories import AccountFactory, OpportunityFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def _deal(org, account, stage, history):
    opp = OpportunityFactory(organization=org, account=account, stage=stage)
    previous = ""
    for i, step in enumerate(history):
        opp.stage_changes.create(
            organization=org,
            from_stage=previous,
            to_stage=step,
            amount=opp.amount,
            changed_at=dt.datetime(2026, 1, 1 + i, tzinfo=dt.UTC),
        )
        previous = step
    return opp


@pytest.fixture(autouse=True)
def _no_providers():
    saved = dict(providers._providers)
    providers._providers.clear()
    yield
    providers._providers.clear()
    providers._providers.update(saved)


def test_fallback_is_the_smoothed_stage_win_rate_and_says_so():
    org = OrganizationFactory()
    account = AccountFactory(organization=org)
    # Three closed deals passed Negotiation: two won. One lost deal never got past Prospecting.
    for final in (Stage.CLOSED_WON, Stage.CLOSED_WON, Stage.CLOSED_LOST):
        _deal(org, account, final, [Stage.PROSPECTING, Stage.NEGOTIATION, final])
    _deal(org, account, Stage.CLOSED_LOST, [Stage.PROSPECTING, Stage.CLOSED_LOST])
    open_deal = _deal(org, account, Stage.NEGOTIATION, [Stage.PROSPECTING, Stage.NEGOTIATION])

    got = providers.win_probabilities(org, [open_deal.pk])

    overall = Decimal(2) / Decimal(4)
    expected = ((Decimal(2) + PRIOR_DEALS * overall) / (3 + PRIOR_DEALS)).quantize(Decimal("0.0001"))
    assert got == {open_deal.pk: providers.WinProbability(open_deal.pk, expected, "stage win rate")}


def test_registered_provider_wins_and_the_fallback_fills_the_gaps():
    org = OrganizationFactory()
    account = AccountFactory(organization=org)
    scored = _deal(org, account, Stage.PROPOSAL, [Stage.PROPOSAL])
    unscored = _deal(org, account, Stage.PROPOSAL, [Stage.PROPOSAL])

    def model(organization, ids):
        assert organization == org
        return {scored.pk: providers.WinProbability(scored.pk, Decimal("0.8100"), "model v1")}

    providers.register_provider("win_probability", model)
    got = providers.win_probabilities(org, [scored.pk, unscored.pk])

    assert got[scored.pk].source == "model v1"
    assert got[scored.pk].probability == Decimal("0.8100")
    assert got[unscored.pk].source == "stage win rate"


def test_other_organizations_deals_get_no_probability():
    org, other = OrganizationFactory(), OrganizationFactory()
    foreign = _deal(other, AccountFactory(organization=other), Stage.PROPOSAL, [Stage.PROPOSAL])
    assert providers.win_probabilities(org, [foreign.pk]) == {}


def test_touch_and_partner_providers_default_to_nothing_and_unknown_names_are_refused():
    org = OrganizationFactory()
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert providers.touch_summaries(org, [1, 2]) == {}
    assert providers.partner_touches(org, since=now, until=now) == []
    with pytest.raises(ValueError, match="Unknown provider"):
        providers.register_provider("win_probabilty", lambda *a: {})
    assert not providers.provider_registered("win_probability")


def test_an_override_puts_back_the_app_provider_it_replaced():
    def app_provider(organization, ids):
        return {}

    providers.register_provider("win_probability", app_provider)
    with providers.provider_override("win_probability", None):
        assert not providers.provider_registered("win_probability")
    assert providers._providers["win_probability"] is app_provider


def test_quotas_without_a_provider_are_labelled_no_quota():
    org = OrganizationFactory()

    got = providers.quotas(org, start=dt.date(2026, 1, 1), end=dt.date(2026, 4, 1), user_ids=[1, 2])

    assert got == providers.Quotas({}, providers.NO_QUOTA_SOURCE)
    assert got.available is False


def test_quotas_come_from_the_registered_provider_with_its_arguments():
    org = OrganizationFactory()
    asked = []

    def fake(organization, *, start, end, user_ids):
        asked.append((organization, start, end, user_ids))
        return providers.Quotas({7: Decimal("1500.00")}, "business objectives")

    providers.register_provider("quota", fake)
    got = providers.quotas(org, start=dt.date(2026, 1, 1), end=dt.date(2026, 4, 1), user_ids=(7, 8))

    assert got == providers.Quotas({7: Decimal("1500.00")}, "business objectives")
    assert got.available is True
    assert asked == [(org, dt.date(2026, 1, 1), dt.date(2026, 4, 1), [7, 8])]
