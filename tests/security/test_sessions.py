"""Logout ends the session; deactivating a user ends their sessions and API tokens at once."""

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from revops.models import ApiToken
from revops.services.tokens import api_token_create

pytestmark = pytest.mark.django_db

PASSWORD = "revops-test-pw"


def _signed_in(user) -> Client:
    client = Client()
    response = client.post(reverse("account_login"), {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def _token_client(membership) -> tuple[APIClient, ApiToken]:
    token, key = api_token_create(
        organization=membership.organization, user=membership.user, name="ci", acting_user=membership.user
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client, token


def test_logout_ends_the_session_on_the_server(rep):
    # given
    client = _signed_in(rep.user)
    old_key = client.cookies["sessionid"].value
    # when
    client.post(reverse("account_logout"))
    # then: the old cookie, replayed, opens nothing
    assert not Session.objects.filter(session_key=old_key).exists()
    replay = Client()
    replay.cookies["sessionid"] = old_key
    assert replay.get(reverse("revops:home")).status_code == 302


def test_deactivating_a_user_ends_every_session_and_token_at_once(rep, manager, client_for):
    # given: the rep is signed in twice and holds a token; the manager is signed in too
    laptop, phone = _signed_in(rep.user), _signed_in(rep.user)
    api, token = _token_client(rep)
    bystander = _signed_in(manager.user)
    assert api.get("/api/v1/opportunities/").status_code == 200
    # when: an admin unticks "active"
    rep.user.is_active = False
    rep.user.save(update_fields=["is_active"])
    # then
    assert laptop.get(reverse("revops:home")).status_code == 302
    assert phone.get(reverse("revops:home")).status_code == 302
    assert api.get("/api/v1/opportunities/").status_code == 401
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert not [s for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(rep.user_id)]
    assert bystander.get(reverse("revops:home")).status_code == 200


def test_deactivating_a_user_in_the_admin_ends_their_access(admin, rep, client_for):
    # given
    api, _token = _token_client(rep)
    session = _signed_in(rep.user)
    url = reverse("admin:revops_user_change", args=[rep.user_id])
    data = {"email": rep.user.email, "first_name": "", "last_name": "", "_save": "Save"}
    # when: the change form without "is_active"
    response = client_for(admin).post(url, data)
    # then
    assert response.status_code == 302
    rep.user.refresh_from_db()
    assert rep.user.is_active is False
    assert api.get("/api/v1/opportunities/").status_code == 401
    assert session.get(reverse("revops:home")).status_code == 302


def test_deactivating_a_membership_revokes_that_organizations_tokens(rep):
    # given
    api, token = _token_client(rep)
    # when
    rep.is_active = False
    rep.save(update_fields=["is_active"])
    # then
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api.get("/api/v1/opportunities/").status_code == 401
