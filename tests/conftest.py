"""Actor fixtures shared by every test: one organization with every role, and another one.

`org` is the organization under test; `other_org` exists to prove isolation. Each actor
fixture is a Membership; `client_for(membership)` gives a logged-in test client.
"""

import pytest
from django.test import Client

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
    return _member(org, "admin", "admin@acme.test")


@pytest.fixture
def manager(org):
    return _member(org, "manager", "manager@acme.test", team="East")


@pytest.fixture
def org_wide_manager(org):
    return _member(org, "manager", "vp@acme.test", org_wide=True)


@pytest.fixture
def finance_admin(org):
    return _member(org, "finance", "finance@acme.test")


@pytest.fixture
def rep(org, manager):
    return _member(org, "rep", "rep1@acme.test", manager=manager, team="East")


@pytest.fixture
def other_rep(org):
    """A rep in the same organization but on no one's team (not the manager's)."""
    return _member(org, "rep", "rep2@acme.test", team="West")


@pytest.fixture
def partner(org):
    return PartnerFactory(organization=org, name="Northwind Partners")


@pytest.fixture
def other_partner(org):
    return PartnerFactory(organization=org, name="Contoso Partners")


@pytest.fixture
def partner_user(org, partner):
    return _member(org, "partner", "partner1@acme.test", partner=partner)


@pytest.fixture
def other_partner_user(org, other_partner):
    return _member(org, "partner", "partner2@acme.test", partner=other_partner)


@pytest.fixture
def other_org_admin(other_org):
    return _member(other_org, "admin", "admin@globex.test")


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
