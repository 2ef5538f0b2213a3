"""Actor fixtures shared by every test: one organization with every role, and another one.

`org` is the organization under test; `other_org` exists to prove isolation. Each actor
fixture is a Membership; `client_for(membership)` gives a logged-in test client.

Teams: `rep` reports to `manager` (team "East"); `other_rep` reports to `other_team_manager`
(team "West"). `other_partner_user` acts for another partner of the same organization and
`other_org_admin` is an admin of another organization.
"""

import pytest
from django.test import Client

from revops.models import Role
from tests.fakes.fixtures import fake_odoo, fake_salesforce  # noqa: F401 (fixtures)
from tests.revops.factories import (
    AccountFactory,
    MembershipFactory,
    OpportunityFactory,
    OrganizationFactory,
    PartnerFactory,
    UserFactory,
)


@pytest.fixture
def org(db):
    return OrganizationFactory(name="Acme", slug="acme")


@pytest.fixture
def other_org(db):
    return OrganizationFactory(name="Globex", slug="globex")


def _member(org, role, email, **extra):
    return MembershipFactory(organization=org, user=UserFactory(email=email), role=role, **extra)


@pytest.fixture
def admin(org):
    return _member(org, Role.ADMIN, "admin@acme.test")


@pytest.fixture
def manager(org):
    return _member(org, Role.MANAGER, "manager@acme.test", team="East")


@pytest.fixture
def org_wide_manager(org):
    return _member(org, Role.MANAGER, "vp@acme.test", org_wide=True)


@pytest.fixture
def finance_admin(org):
    return _member(org, Role.FINANCE, "finance@acme.test")


@pytest.fixture
def rep(org, manager):
    return _member(org, Role.REP, "rep1@acme.test", manager=manager, team="East")


@pytest.fixture
def other_team_manager(org):
    return _member(org, Role.MANAGER, "manager2@acme.test", team="West")


@pytest.fixture
def other_rep(org, other_team_manager):
    """A rep in the same organization on another team (not the manager's)."""
    return _member(org, Role.REP, "rep2@acme.test", manager=other_team_manager, team="West")


@pytest.fixture
def partner(org):
    return PartnerFactory(organization=org, name="Northwind Partners")


@pytest.fixture
def other_partner(org):
    return PartnerFactory(organization=org, name="Contoso Partners")


@pytest.fixture
def partner_user(org, partner):
    return _member(org, Role.PARTNER, "partner1@acme.test", partner=partner)


@pytest.fixture
def other_partner_user(org, other_partner):
    return _member(org, Role.PARTNER, "partner2@acme.test", partner=other_partner)


@pytest.fixture
def other_org_admin(other_org):
    return _member(other_org, Role.ADMIN, "admin@globex.test")


@pytest.fixture
def client_for():
    def make(membership, **kwargs) -> Client:
        client = Client(**kwargs)
        client.force_login(membership.user)
        return client

    return make


@pytest.fixture
def rep_opportunity(org, rep):
    account = AccountFactory(organization=org, owner=rep.user)
    return OpportunityFactory(organization=org, account=account, owner=rep.user, name="Rep deal")


@pytest.fixture
def other_rep_opportunity(org, other_rep):
    account = AccountFactory(organization=org, owner=other_rep.user)
    return OpportunityFactory(organization=org, account=account, owner=other_rep.user, name="Other rep deal")


@pytest.fixture
def other_org_opportunity(other_org):
    return OpportunityFactory(organization=other_org, name="Globex deal")
