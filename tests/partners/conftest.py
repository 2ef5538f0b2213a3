"""Partner-program fixtures: a product line and a partner manager."""

import pytest

from partners.models import PartnerManagerGrant
from revops.models import Role
from tests.revops.factories import MembershipFactory, ProductLineFactory, UserFactory


@pytest.fixture
def line(org):
    return ProductLineFactory(organization=org, name="Analytics", code="analytics")


@pytest.fixture
def partner_colleague(org, partner):
    """A second user of the same partner, without the partner-manager grant."""
    return MembershipFactory(
        organization=org,
        user=UserFactory(email="colleague@northwind.test"),
        role=Role.PARTNER,
        partner=partner,
    )


@pytest.fixture
def partner_manager(org, partner, admin):
    """A user of the same partner with the explicit partner-manager grant."""
    membership = MembershipFactory(
        organization=org, user=UserFactory(email="boss@northwind.test"), role=Role.PARTNER, partner=partner
    )
    PartnerManagerGrant.objects.create(organization=org, membership=membership, granted_by=admin.user)
    return membership
