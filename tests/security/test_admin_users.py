"""Inviting a user in the admin says nothing about other organizations."""

import pytest
from django.urls import reverse

from revops.admin.organization import ALREADY_MEMBER, CANNOT_INVITE
from revops.models import Membership, User
from tests.revops.factories import UserFactory

pytestmark = pytest.mark.django_db


def _invite(client, email: str):
    data = {"email": email, "role": "rep", "password1": "Sturdy-pass-2026", "password2": "Sturdy-pass-2026"}
    return client.post(reverse("admin:revops_user_add"), data)


def test_an_address_used_in_another_organization_is_not_named_as_such(admin, other_org_admin, client_for):
    # given
    users, memberships = User.objects.count(), Membership.objects.count()
    # when
    response = _invite(client_for(admin), other_org_admin.user.email.upper())
    # then
    body = response.content.decode()
    assert response.status_code == 200
    assert CANNOT_INVITE in body
    assert "already exists" not in body
    assert other_org_admin.organization.name not in body
    assert (User.objects.count(), Membership.objects.count()) == (users, memberships)
    assert other_org_admin.user.check_password("Sturdy-pass-2026") is False


def test_an_address_of_nobody_in_any_organization_gets_the_same_answer(admin, client_for):
    # given: a user with no membership at all (not one of the admin's members)
    UserFactory(email="loner@else.test")
    # when
    body = _invite(client_for(admin), "loner@else.test").content.decode()
    # then: the same words as for another organization's member
    assert CANNOT_INVITE in body


def test_a_member_of_the_admins_own_organization_is_named(admin, rep, client_for):
    body = _invite(client_for(admin), rep.user.email).content.decode()
    assert ALREADY_MEMBER in body
