"""Core pages: API tokens (create, list, revoke)."""

import pytest
from django.test import Client
from django.urls import reverse

from revops.models import ApiToken, AuditEvent
from revops.services.tokens import TOKEN_PREFIX, api_token_create

pytestmark = pytest.mark.django_db


def test_token_create_shows_key_once_and_stores_only_the_digest(rep, client_for):
    # given
    client = client_for(rep)
    # when
    response = client.post(reverse("revops:token-create"), {"name": "CRM sync"})
    # then
    assert response.status_code == 200
    key = response.context["new_key"]
    assert key.startswith(TOKEN_PREFIX)
    assert key in response.content.decode()
    token = ApiToken.objects.get(user=rep.user)
    assert (token.name, token.prefix, token.digest) == ("CRM sync", key[:12], ApiToken.digest_for(key))
    assert key not in {token.name, token.prefix, token.digest}
    assert key not in client.get(reverse("revops:token-list")).content.decode()


def test_token_create_rejects_empty_name(rep, client_for):
    # when
    response = client_for(rep).post(reverse("revops:token-create"), {"name": "  "})
    # then
    assert response.status_code == 400
    assert ApiToken.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_token_list_shows_own_tokens_and_admin_sees_all(org, rep, other_rep, admin, client_for):
    # given
    own, _ = api_token_create(organization=org, user=rep.user, name="Mine", acting_user=rep.user)
    theirs, _ = api_token_create(
        organization=org, user=other_rep.user, name="Theirs", acting_user=other_rep.user
    )
    # when
    rep_tokens = list(client_for(rep).get(reverse("revops:token-list")).context["tokens"])
    admin_tokens = set(client_for(admin).get(reverse("revops:token-list")).context["tokens"])
    # then
    assert rep_tokens == [own]
    assert admin_tokens == {own, theirs}


def test_token_revoke_by_htmx_rerenders_the_row_and_twice_is_a_noop(org, rep, client_for):
    # given
    token, _ = api_token_create(organization=org, user=rep.user, name="Mine", acting_user=rep.user)
    client = client_for(rep)
    url = reverse("revops:token-revoke", args=[token.pk])
    # when
    first = client.post(url, HTTP_HX_REQUEST="true")
    token.refresh_from_db()
    revoked_at = token.revoked_at
    second = client.post(url, HTTP_HX_REQUEST="true")
    # then
    assert first.status_code == second.status_code == 200
    assert [t.name for t in first.templates] == ["revops/partials/token_row.html"]
    assert f'id="token-{token.pk}"' in first.content.decode()
    assert "Revoked" in first.content.decode()
    token.refresh_from_db()
    assert revoked_at is not None
    assert token.revoked_at == revoked_at
    assert AuditEvent.objects.filter(action="api_token.revoke").count() == 1


def test_rep_cannot_revoke_another_users_token(org, rep, other_rep, client_for):
    # given
    token, _ = api_token_create(
        organization=org, user=other_rep.user, name="Theirs", acting_user=other_rep.user
    )
    # when
    response = client_for(rep).post(reverse("revops:token-revoke", args=[token.pk]))
    # then
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert AuditEvent.objects.filter(action="api_token.revoke").count() == 0


def test_admin_revokes_a_token_of_their_organization(org, rep, admin, client_for):
    # given
    token, _ = api_token_create(organization=org, user=rep.user, name="Rep's", acting_user=rep.user)
    # when
    response = client_for(admin).post(reverse("revops:token-revoke", args=[token.pk]))
    # then
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert list(AuditEvent.objects.filter(action="api_token.revoke").values_list("actor", flat=True)) == [
        admin.user.pk
    ]


def test_admin_cannot_revoke_a_token_of_another_organization(org, other_org_admin, rep, admin, client_for):
    # given
    token, _ = api_token_create(organization=org, user=rep.user, name="Rep's", acting_user=rep.user)
    # when
    response = client_for(other_org_admin).post(reverse("revops:token-revoke", args=[token.pk]))
    # then
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert AuditEvent.objects.filter(action="api_token.revoke").count() == 0


def test_token_revoke_is_post_only(org, rep, client_for):
    # given
    token, _ = api_token_create(organization=org, user=rep.user, name="Mine", acting_user=rep.user)
    # when
    response = client_for(rep).get(reverse("revops:token-revoke", args=[token.pk]))
    # then
    assert response.status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None
    assert AuditEvent.objects.filter(action="api_token.revoke").count() == 0


def _csrf_token(client: Client) -> str:
    client.get(reverse("revops:home"))
    return client.cookies["csrftoken"].value


def test_htmx_token_revoke_without_csrf_token_is_refused(org, rep, client_for):
    # given
    token, _ = api_token_create(organization=org, user=rep.user, name="Mine", acting_user=rep.user)
    client = client_for(rep, enforce_csrf_checks=True)
    # when
    response = client.post(reverse("revops:token-revoke", args=[token.pk]), HTTP_HX_REQUEST="true")
    # then
    assert response.status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None
    assert not AuditEvent.objects.filter(action="api_token.revoke").exists()


def test_htmx_token_revoke_with_csrf_header_works(org, rep, client_for):
    # given
    token, _ = api_token_create(organization=org, user=rep.user, name="Mine", acting_user=rep.user)
    client = client_for(rep, enforce_csrf_checks=True)
    csrf = _csrf_token(client)
    # when
    response = client.post(
        reverse("revops:token-revoke", args=[token.pk]), HTTP_HX_REQUEST="true", HTTP_X_CSRFTOKEN=csrf
    )
    # then
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.revoked_at is not None
