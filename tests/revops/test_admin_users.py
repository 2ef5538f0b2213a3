"""The admin: users of the organization."""

import pytest
from django.urls import reverse

from revops.models import (
    Membership,
    User,
)
from tests.revops.factories import UserFactory

pytestmark = pytest.mark.django_db


def _changelist_url(model) -> str:
    return reverse(f"admin:revops_{model._meta.model_name}_changelist")


def test_org_admin_invites_user_into_own_organization(admin, client_for):
    # given
    url = reverse("admin:revops_user_add")
    data = {
        "email": "New.Person@Acme.test",
        "role": "finance",
        "password1": "Sturdy-pass-2026",
        "password2": "Sturdy-pass-2026",
    }
    # when
    response = client_for(admin).post(url, data)
    # then
    assert response.status_code == 302
    user = User.objects.get(email="new.person@acme.test")
    assert (user.is_staff, user.is_superuser, user.check_password("Sturdy-pass-2026")) == (False, False, True)
    membership = Membership.objects.get(user=user)
    assert (membership.organization_id, membership.role) == (admin.organization_id, "finance")


def test_org_admin_user_list_hides_other_organizations_and_superusers(
    admin, rep, other_org_admin, client_for
):
    # given
    UserFactory(email="root@revops.test", is_superuser=True)
    # when
    response = client_for(admin).get(_changelist_url(User))
    # then
    assert {u.email for u in response.context["cl"].result_list} == {
        "admin@acme.test",
        "rep1@acme.test",
        "manager@acme.test",
    }


def test_org_admin_cannot_make_anyone_superuser(admin, rep, client_for):
    # given
    url = reverse("admin:revops_user_change", args=[rep.user_id])
    data = {
        "email": rep.user.email,
        "first_name": "R",
        "last_name": "One",
        "is_active": "on",
        "is_superuser": "on",
        "is_staff": "on",
    }
    # when
    response = client_for(admin).post(url, data)
    # then
    assert response.status_code == 302
    rep.user.refresh_from_db()
    assert (rep.user.first_name, rep.user.is_superuser, rep.user.is_staff) == ("R", False, False)
