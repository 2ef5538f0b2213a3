"""Row scoping: which opportunities and accounts each role sees, and what "team" means.

"team" is the reporting line: a manager sees their own rows and those of everyone who
reports to them, directly or through managers below them. The `team` text on a membership
grants nothing (see revops/permissions.py).
"""

import re
from pathlib import Path

import pytest
from django.conf import settings

from revops.models import Account, Opportunity, Partner, Role
from revops.permissions import RECORD_KINDS, ROLE_SCOPES, Kind, Scope, scope_for, scoped
from revops.querysets import ScopedQuerySet
from tests.revops.factories import AccountFactory, MembershipFactory, OpportunityFactory, UserFactory

pytestmark = pytest.mark.django_db


def _member(org, role, email, **extra):
    return MembershipFactory(organization=org, user=UserFactory(email=email), role=role, **extra)


def _deal(org, member, name):
    account = AccountFactory(organization=org, owner=member.user, name=f"{name} account")
    return OpportunityFactory(organization=org, account=account, owner=member.user, name=name)


def test_rep_sees_only_own_opportunities(rep, rep_opportunity, other_rep_opportunity, other_org_opportunity):
    # when
    visible = list(Opportunity.objects.visible_to(rep))
    # then
    assert visible == [rep_opportunity]


def test_manager_sees_team_not_other_teams(manager, rep_opportunity, other_rep_opportunity):
    # when
    visible = set(Opportunity.objects.visible_to(manager))
    # then
    assert visible == {rep_opportunity}


def test_manager_sees_their_own_deals_too(org, manager, rep_opportunity):
    # given
    own = _deal(org, manager, "Manager's own deal")
    # when
    visible = set(Opportunity.objects.visible_to(manager))
    # then
    assert visible == {rep_opportunity, own}


def test_manager_does_not_see_a_rep_who_only_shares_the_team_name(org, manager, rep, rep_opportunity):
    # given: a rep labelled "East" like the manager's team, but reporting to nobody
    drifter = _member(org, Role.REP, "drifter@acme.test", team="East")
    drifter_deal = _deal(org, drifter, "Drifter deal")
    # when
    deals = set(Opportunity.objects.visible_to(manager))
    accounts = set(Account.objects.visible_to(manager))
    # then
    assert deals == {rep_opportunity}
    assert drifter_deal.account not in accounts
    assert accounts == {rep_opportunity.account}


def test_a_leader_sees_the_reps_of_the_managers_who_report_to_them(org, manager, rep, rep_opportunity):
    # given: director ← manager ← rep, and a rep reporting to the director directly
    director = _member(org, Role.MANAGER, "director@acme.test", team="Sales")
    manager.manager = director
    manager.save(update_fields=["manager"])
    direct = _member(org, Role.REP, "direct@acme.test", manager=director)
    direct_deal = _deal(org, direct, "Direct report deal")
    # when
    director_sees = set(Opportunity.objects.visible_to(director))
    manager_sees = set(Opportunity.objects.visible_to(manager))
    # then
    assert director_sees == {rep_opportunity, direct_deal}
    assert manager_sees == {rep_opportunity}


def test_a_cycle_in_the_manager_chain_ends(org, manager, rep, rep_opportunity):
    # given: a data-entry mistake makes the manager report to their own rep
    manager.manager = rep
    manager.save(update_fields=["manager"])
    # when
    visible = set(Opportunity.objects.visible_to(manager))
    # then
    assert visible == {rep_opportunity}


def test_team_of_another_organization_is_never_followed(org, other_org, manager, rep_opportunity):
    # given: a member of another organization whose manager link points at our manager
    stray = _member(other_org, Role.REP, "stray@globex.test", manager=manager)
    stray_deal = _deal(other_org, stray, "Stray deal")
    # when
    visible = set(Opportunity.objects.visible_to(manager))
    # then
    assert stray_deal not in visible
    assert visible == {rep_opportunity}


def test_manager_sees_accounts_their_reps_own_without_deals(org, manager, rep, rep_opportunity):
    # given: an account the rep owns with no deal at all
    quiet = AccountFactory(organization=org, owner=rep.user, name="Quiet account")
    # when
    visible = set(Account.objects.visible_to(manager))
    # then
    assert visible == {rep_opportunity.account, quiet}


def test_manager_sees_accounts_their_reps_sell_to_but_do_not_own(org, manager, rep, other_rep):
    # given: another team's account on which the manager's rep has a deal
    account = AccountFactory(organization=org, owner=other_rep.user, name="Shared account")
    OpportunityFactory(organization=org, account=account, owner=rep.user)
    # when
    manager_sees = set(Account.objects.visible_to(manager))
    rep_sees = set(Account.objects.visible_to(rep))
    # then
    assert manager_sees == {account}
    assert rep_sees == {account}


def test_org_wide_manager_and_finance_see_whole_org(
    org_wide_manager, finance_admin, rep_opportunity, other_rep_opportunity, other_org_opportunity
):
    for member in (org_wide_manager, finance_admin):
        assert set(Opportunity.objects.visible_to(member)) == {rep_opportunity, other_rep_opportunity}


def test_partner_user_sees_no_internal_rows(partner_user, rep_opportunity):
    assert list(Opportunity.objects.visible_to(partner_user)) == []
    assert list(Account.objects.visible_to(partner_user)) == []


def test_partner_user_sees_only_their_partner(partner_user, partner, other_partner):
    # when
    visible = list(Partner.objects.visible_to(partner_user))
    # then
    assert visible == [partner]


def test_rep_sees_accounts_they_own_or_sell_to(rep, rep_opportunity, other_rep_opportunity):
    assert list(Account.objects.visible_to(rep)) == [rep_opportunity.account]


def test_no_membership_sees_nothing(rep_opportunity):
    assert list(Opportunity.objects.visible_to(None)) == []


def test_inactive_membership_sees_nothing(admin, rep_opportunity):
    # given
    admin.is_active = False
    # when / then
    assert list(Opportunity.objects.visible_to(admin)) == []
    assert scope_for(admin, Kind.OPPORTUNITY) is Scope.NONE


def test_a_kind_left_out_for_a_role_is_denied(rep, rep_opportunity):
    # given: a scope table that forgets the rep's opportunities
    saved = ROLE_SCOPES[Role.REP].pop(Kind.OPPORTUNITY)
    try:
        # when
        visible = list(scoped(Opportunity.objects.all(), rep, kind=Kind.OPPORTUNITY))
    finally:
        ROLE_SCOPES[Role.REP][Kind.OPPORTUNITY] = saved
    # then
    assert visible == []


def test_every_scoped_queryset_names_a_registered_kind():
    # given
    querysets = [Opportunity.objects.all(), Account.objects.all(), Partner.objects.all()]
    # then
    assert all(isinstance(qs, ScopedQuerySet) for qs in querysets)
    assert [qs.record_kind for qs in querysets] == [Kind.OPPORTUNITY, Kind.ACCOUNT, Kind.PARTNER]
    assert {Kind.OPPORTUNITY, Kind.ACCOUNT, Kind.PARTNER} <= set(RECORD_KINDS)


def test_every_role_of_the_table_is_a_role_choice():
    assert set(ROLE_SCOPES) == set(Role)


# Comparisons of a role with a string literal (`role == "rep"`, `role in ("admin", ...)`,
# `role="partner"`): roles are `Role` members and scope is asked of the permission table.
ROLE_LITERAL = re.compile(
    r"""role\s*(?:==|!=)\s*["']"""
    r"""|role\s+(?:not\s+)?in\s+[(\[{]\s*["']"""
    r"""|\brole\s*=\s*["'](?:admin|manager|finance|rep|partner)["']"""
)
SCANNED = (
    "revops",
    "attribution",
    "commissions",
    "forecasting",
    "distribution",
    "partners",
    "templates",
    "bench",
)


def test_no_role_string_comparisons_outside_the_permission_table():
    # given
    root = Path(settings.BASE_DIR)
    files = [p for top in SCANNED for p in (root / top).rglob("*") if p.suffix in (".py", ".html")]
    # when
    hits = [
        f"{path.relative_to(root)}:{number}: {line.strip()}"
        for path in files
        if "migrations" not in path.parts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if ROLE_LITERAL.search(line)
    ]
    # then
    assert hits == []
