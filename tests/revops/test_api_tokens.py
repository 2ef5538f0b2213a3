"""API tokens: create (key once), list, revoke, bearer authentication, organization binding."""

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from revops.models import Account, ApiToken, AuditEvent
from revops.services.tokens import api_token_create, api_token_revoke
from tests.revops.factories import AccountFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def _session_client(membership) -> APIClient:
    client = APIClient()
    client.force_login(membership.user)
    return client


def _bearer(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def _token(membership, name="ci") -> tuple[ApiToken, str]:
    return api_token_create(
        organization=membership.organization, user=membership.user, name=name, acting_user=membership.user
    )


def test_create_returns_the_key_once_and_it_authenticates(rep, org):
    # given
    client = _session_client(rep)
    # when
    created = client.post("/api/v1/tokens/", {"name": "Zapier"}, format="json")
    # then
    assert created.status_code == 201
    body = created.json()
    token = ApiToken.objects.get()
    assert body["key"].startswith("rvp_")
    assert token.digest == ApiToken.digest_for(body["key"])
    assert body["prefix"] == body["key"][:12] == token.prefix
    assert (body["id"], body["name"], body["user"], body["is_active"]) == (
        token.pk,
        "Zapier",
        rep.user.pk,
        True,
    )
    assert token.organization == org
    listed = client.get("/api/v1/tokens/").json()["results"]
    assert [sorted(row) for row in listed] == [
        [
            "created_at",
            "id",
            "is_active",
            "last_used_at",
            "name",
            "prefix",
            "revoked_at",
            "user",
            "user_email",
        ]
    ]
    me = _bearer(body["key"]).get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["token"] == token.pk


def test_create_without_name_is_a_400(rep):
    # when
    response = _session_client(rep).post("/api/v1/tokens/", {}, format="json")
    # then
    assert response.status_code == 400
    assert response.json() == {"name": ["This field is required."]}
    assert ApiToken.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_members_list_only_their_own_tokens(rep, other_rep):
    # given
    own, _ = _token(rep)
    _token(other_rep)
    # when
    listed = _session_client(rep).get("/api/v1/tokens/").json()
    # then
    assert [row["id"] for row in listed["results"]] == [own.pk]


def test_org_admin_lists_every_token_of_the_organization(admin, rep, other_rep, other_org_admin):
    # given
    rep_token, _ = _token(rep)
    other_rep_token, _ = _token(other_rep)
    _token(other_org_admin)
    # when
    listed = _session_client(admin).get("/api/v1/tokens/?ordering=created_at").json()
    # then
    assert [(row["id"], row["user_email"]) for row in listed["results"]] == [
        (rep_token.pk, "rep1@acme.test"),
        (other_rep_token.pk, "rep2@acme.test"),
    ]


def test_revoked_token_gets_401(rep):
    # given
    token, key = _token(rep)
    client = _bearer(key)
    assert client.get("/api/v1/me/").status_code == 200
    # when
    revoked = _session_client(rep).post(f"/api/v1/tokens/{token.pk}/revoke/")
    after = client.get("/api/v1/opportunities/")
    # then
    assert revoked.status_code == 200
    assert revoked.json()["is_active"] is False
    assert after.status_code == 401
    assert after.json() == {"detail": "Invalid or revoked token."}
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(action="api_token.revoke", object_id=str(token.pk)).count() == 1


def test_a_token_can_revoke_itself(rep):
    # given
    token, key = _token(rep)
    # when
    response = _bearer(key).post(f"/api/v1/tokens/{token.pk}/revoke/")
    # then
    assert response.status_code == 200
    assert _bearer(key).get("/api/v1/me/").status_code == 401


def test_member_cannot_revoke_someone_elses_token(rep, other_rep):
    # given
    token, key = _token(other_rep)
    # when
    response = _session_client(rep).post(f"/api/v1/tokens/{token.pk}/revoke/")
    # then
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert AuditEvent.objects.filter(action="api_token.revoke").count() == 0
    assert _bearer(key).get("/api/v1/me/").status_code == 200


def test_org_admin_revokes_a_members_token(admin, rep):
    # given
    token, key = _token(rep)
    # when
    response = _session_client(admin).post(f"/api/v1/tokens/{token.pk}/revoke/")
    # then
    assert response.status_code == 200
    assert _bearer(key).get("/api/v1/me/").status_code == 401


def test_org_admin_cannot_revoke_another_organizations_token(admin, other_org_admin):
    # given
    token, _ = _token(other_org_admin)
    # when
    response = _session_client(admin).post(f"/api/v1/tokens/{token.pk}/revoke/")
    # then
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert AuditEvent.objects.filter(action="api_token.revoke").count() == 0


def test_revoking_twice_is_a_no_op(rep):
    # given
    token, _ = _token(rep)
    api_token_revoke(token=token, acting_user=rep.user)
    token.refresh_from_db()
    first_revoked_at = token.revoked_at
    # when
    response = _session_client(rep).post(f"/api/v1/tokens/{token.pk}/revoke/")
    # then
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.revoked_at == first_revoked_at
    assert AuditEvent.objects.filter(action="api_token.revoke").count() == 1


@pytest.mark.parametrize("header", ["Bearer rvp_not-a-real-key", "Token rvp_not-a-real-key", "Bearer a b"])
def test_unknown_or_malformed_token_gets_401(header, rep):
    # given
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    # when
    response = client.get("/api/v1/accounts/")
    # then
    assert response.status_code == 401


def test_token_is_bound_to_its_organization_whatever_the_header(admin, other_org):
    # given: the admin belongs to both organizations, the token to Acme only
    MembershipFactory(organization=other_org, user=admin.user, role="admin")
    acme_account = AccountFactory(organization=admin.organization)
    AccountFactory(organization=other_org)
    _, key = _token(admin)
    client = _bearer(key)
    # when
    listed = client.get("/api/v1/accounts/", HTTP_X_ORGANIZATION="globex")
    created = client.post(
        "/api/v1/accounts/", {"name": "Made via token"}, format="json", HTTP_X_ORGANIZATION="globex"
    )
    me = client.get("/api/v1/me/", HTTP_X_ORGANIZATION="globex")
    # then
    assert [row["id"] for row in listed.json()["results"]] == [acme_account.pk]
    assert created.status_code == 201
    assert Account.objects.get(name="Made via token").organization == admin.organization
    assert me.json()["organization"]["slug"] == "acme"


def test_token_of_a_removed_membership_is_revoked_at_once(rep):
    # given
    token, key = _token(rep)
    rep.is_active = False
    rep.save(update_fields=["is_active"])
    # when
    response = _bearer(key).get("/api/v1/opportunities/")
    # then: deactivating the membership revoked its tokens (revops/services/access.py)
    assert response.status_code == 401
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_token_use_stamps_last_used_at(rep):
    # given
    token, key = _token(rep)
    before = timezone.now()
    # when
    response = _bearer(key).get("/api/v1/me/")
    # then
    assert response.status_code == 200
    token.refresh_from_db()
    assert before <= token.last_used_at <= timezone.now()


def test_me_describes_the_caller(finance_admin, org):
    # when
    response = _session_client(finance_admin).get("/api/v1/me/")
    # then
    assert response.status_code == 200
    assert response.json() == {
        "user": {
            "id": finance_admin.user.pk,
            "email": "finance@acme.test",
            "name": finance_admin.user.get_full_name(),
        },
        "organization": {"id": org.pk, "name": "Acme", "slug": "acme", "currency": "USD", "time_zone": "UTC"},
        "role": "finance",
        "capabilities": [
            "account.view",
            "api.access",
            "attribution.view",
            "audit.view",
            "catalog.view",
            "commissions.import",
            "commissions.pay",
            "commissions.plan_edit",
            "commissions.resolve",
            "commissions.view",
            "dashboard.view",
            "distribution.view",
            "export",
            "forecasting.view",
            "job.view",
            "marketing.journeys",
            "marketing.promote",
            "marketing.view",
            "opportunity.view",
            "partner.view",
            "partners.analytics_view",
            "partners.dispute_view",
            "partners.program_view",
            "partners.registration_view",
            "period.close",
            "period.view",
            "token.manage_own",
        ],
        "token": None,
    }
