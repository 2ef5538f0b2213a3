"""Row scoping: which opportunities and accounts each role sees."""

import pytest

from revops.models import Account, Opportunity

pytestmark = pytest.mark.django_db


def test_rep_sees_only_own_opportunities(rep, rep_opportunity, other_rep_opportunity, other_org_opportunity):
    # when
    visible = list(Opportunity.objects.visible_to(rep))
    # then
    assert visible == [rep_opportunity]


def test_manager_sees_team_not_other_teams(manager, rep_opportunity, other_rep_opportunity):
    visible = set(Opportunity.objects.visible_to(manager))
    assert visible == {rep_opportunity}


def test_org_wide_manager_and_finance_see_whole_org(
    org_wide_manager, finance_admin, rep_opportunity, other_rep_opportunity, other_org_opportunity
):
    for member in (org_wide_manager, finance_admin):
        assert set(Opportunity.objects.visible_to(member)) == {rep_opportunity, other_rep_opportunity}


def test_partner_user_sees_no_internal_rows(partner_user, rep_opportunity):
    assert list(Opportunity.objects.visible_to(partner_user)) == []
    assert list(Account.objects.visible_to(partner_user)) == []


def test_rep_sees_accounts_they_own_or_sell_to(rep, rep_opportunity, other_rep_opportunity):
    assert list(Account.objects.visible_to(rep)) == [rep_opportunity.account]


def test_no_membership_sees_nothing(rep_opportunity):
    assert list(Opportunity.objects.visible_to(None)) == []
