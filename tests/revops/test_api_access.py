"""Core API access: roles, row scoping, organization isolation, CSRF, base-class guard rails."""

from decimal import Decimal

import pytest
from django.middleware.csrf import _get_new_csrf_string
from rest_framework import viewsets
from rest_framework.test import APIClient

from revops.api.base import OrganizationScopedViewSetMixin
from revops.models import Account, AuditEvent, Opportunity, OpportunityStageChange
from revops.services.tokens import api_token_create
from tests.revops.factories import (
    AccountFactory,
    FiscalPeriodFactory,
    MembershipFactory,
    OpportunityFactory,
    PartnerFactory,
    ProductFactory,
    StageChangeFactory,
)

pytestmark = pytest.mark.django_db

LIST_URLS = [
    "/api/v1/accounts/",
    "/api/v1/partners/",
    "/api/v1/product-lines/",
    "/api/v1/products/",
    "/api/v1/opportunities/",
    "/api/v1/stage-changes/",
    "/api/v1/periods/",
    "/api/v1/tokens/",
    "/api/v1/me/",
]


def _session_client(membership) -> APIClient:
    client = APIClient()
    client.force_login(membership.user)
    return client


def _token_client(membership) -> APIClient:
    _, key = api_token_create(
        organization=membership.organization, user=membership.user, name="ci", acting_user=membership.user
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def _ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


@pytest.mark.parametrize("url", LIST_URLS)
def test_anonymous_gets_401(url, org):
    # when
    response = APIClient().get(url)
    # then
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize("url", LIST_URLS)
def test_partner_user_gets_404_on_every_internal_endpoint(url, partner_user):
    # when
    response = _session_client(partner_user).get(url)
    # then: as if the route did not exist (partners never learn the internal API)
    assert response.status_code == 404


def test_partner_user_cannot_write(partner_user, partner, rep_opportunity):
    # given
    client = _session_client(partner_user)
    # when
    created = client.post("/api/v1/accounts/", {"name": "Sneaky"}, format="json")
    patched = client.patch(f"/api/v1/partners/{partner.pk}/", {"tier": "platinum"}, format="json")
    deleted = client.delete(f"/api/v1/opportunities/{rep_opportunity.pk}/")
    # then
    assert (created.status_code, patched.status_code, deleted.status_code) == (404, 404, 404)
    partner.refresh_from_db()
    assert partner.tier == "silver"
    assert Account.objects.count() == 1
    assert Opportunity.objects.filter(pk=rep_opportunity.pk).exists()
    assert AuditEvent.objects.count() == 0


def test_rep_lists_only_own_opportunities(rep, rep_opportunity, other_rep_opportunity, other_org_opportunity):
    # when
    response = _session_client(rep).get("/api/v1/opportunities/")
    # then
    assert response.status_code == 200
    assert _ids(response) == [rep_opportunity.pk]
    assert response.json()["count"] == 1


def test_rep_gets_404_on_another_reps_opportunity(rep, rep_opportunity, other_rep_opportunity):
    # given
    client = _session_client(rep)
    url = f"/api/v1/opportunities/{other_rep_opportunity.pk}/"
    # when
    fetched = client.get(url)
    patched = client.patch(url, {"amount": "1.00"}, format="json")
    deleted = client.delete(url)
    # then
    assert (fetched.status_code, patched.status_code, deleted.status_code) == (404, 404, 404)
    other_rep_opportunity.refresh_from_db()
    assert other_rep_opportunity.amount == Decimal("10000.00")
    assert AuditEvent.objects.count() == 0


def test_rep_sees_stage_history_of_own_opportunities_only(rep, rep_opportunity, other_rep_opportunity):
    # given
    own = StageChangeFactory(opportunity=rep_opportunity)
    other = StageChangeFactory(opportunity=other_rep_opportunity)
    client = _session_client(rep)
    # when
    listed = client.get("/api/v1/stage-changes/")
    fetched_other = client.get(f"/api/v1/stage-changes/{other.pk}/")
    # then
    assert _ids(listed) == [own.pk]
    assert fetched_other.status_code == 404


def test_rep_can_edit_own_opportunity_but_not_accounts(rep, rep_opportunity):
    # given
    client = _session_client(rep)
    account_name = rep_opportunity.account.name
    # when
    moved = client.patch(f"/api/v1/opportunities/{rep_opportunity.pk}/", {"stage": "proposal"}, format="json")
    account_edit = client.patch(
        f"/api/v1/accounts/{rep_opportunity.account_id}/", {"name": "Renamed"}, format="json"
    )
    # then
    assert moved.status_code == 200
    assert account_edit.status_code == 403
    rep_opportunity.account.refresh_from_db()
    assert rep_opportunity.account.name == account_name
    assert list(OpportunityStageChange.objects.values_list("from_stage", "to_stage")) == [
        ("prospecting", "proposal")
    ]


def test_rep_creates_opportunity_owned_by_themselves(rep, rep_opportunity):
    # when
    response = _session_client(rep).post(
        "/api/v1/opportunities/",
        {
            "name": "Upsell",
            "account": rep_opportunity.account_id,
            "amount": "500",
            "created_date": "2026-04-01",
        },
        format="json",
    )
    # then
    assert response.status_code == 201
    assert response.json()["owner"] == rep.user.pk
    assert Opportunity.objects.get(pk=response.json()["id"]).owner == rep.user


def test_rep_cannot_assign_opportunity_to_someone_outside_their_scope(rep, other_rep, rep_opportunity):
    # when
    response = _session_client(rep).patch(
        f"/api/v1/opportunities/{rep_opportunity.pk}/", {"owner": other_rep.user.pk}, format="json"
    )
    # then
    assert response.status_code == 400
    assert response.json() == {"owner": [f'Invalid pk "{other_rep.user.pk}" - object does not exist.']}
    rep_opportunity.refresh_from_db()
    assert rep_opportunity.owner == rep.user
    assert AuditEvent.objects.count() == 0


@pytest.mark.parametrize("auth", ["session", "token"])
def test_other_organization_rows_are_404_and_never_listed(auth, admin, other_org_admin, other_org, org):
    # given
    other_account = AccountFactory(organization=other_org)
    other_opportunity = OpportunityFactory(organization=other_org, account=other_account)
    other_partner = PartnerFactory(organization=other_org)
    other_product = ProductFactory(organization=other_org)
    other_period = FiscalPeriodFactory(organization=other_org)
    other_change = StageChangeFactory(opportunity=other_opportunity)
    names = (other_account.name, other_opportunity.name, other_partner.name, other_product.name)
    client = _session_client(admin) if auth == "session" else _token_client(admin)
    routes = {
        "accounts": other_account.pk,
        "opportunities": other_opportunity.pk,
        "partners": other_partner.pk,
        "products": other_product.pk,
        "product-lines": other_product.product_line_id,
    }
    # when / then
    for resource, pk in routes.items():
        url = f"/api/v1/{resource}/{pk}/"
        assert client.get(url).status_code == 404, url
        assert client.patch(url, {"name": "Hijacked"}, format="json").status_code == 404, url
        assert client.delete(url).status_code == 404, url
        assert client.get(f"/api/v1/{resource}/").json()["results"] == [], resource
    assert client.get(f"/api/v1/periods/{other_period.pk}/").status_code == 404
    assert client.get(f"/api/v1/stage-changes/{other_change.pk}/").status_code == 404
    assert client.get("/api/v1/periods/").json()["results"] == []
    assert client.get("/api/v1/stage-changes/").json()["results"] == []
    for row in (other_account, other_opportunity, other_partner, other_product):
        row.refresh_from_db()
    assert (other_account.name, other_opportunity.name, other_partner.name, other_product.name) == names
    assert Account.objects.filter(organization=other_org).count() == 1
    assert Opportunity.objects.filter(organization=other_org).count() == 1
    assert AuditEvent.objects.filter(organization=other_org).count() == 0


def test_other_organizations_token_sees_only_its_own_rows(
    other_org_admin, rep_opportunity, other_org_opportunity
):
    # given
    client = _token_client(other_org_admin)
    # when
    listed = client.get("/api/v1/opportunities/")
    fetched = client.get(f"/api/v1/opportunities/{rep_opportunity.pk}/")
    # then
    assert _ids(listed) == [other_org_opportunity.pk]
    assert fetched.status_code == 404


def test_session_unsafe_request_without_csrf_token_is_refused(admin):
    # given
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(admin.user)
    # when
    response = client.post("/api/v1/accounts/", {"name": "No CSRF"}, format="json")
    # then
    assert response.status_code == 403
    assert response.json() == {"detail": "CSRF Failed: CSRF cookie not set."}
    assert Account.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_session_unsafe_request_with_csrf_token_is_accepted(admin):
    # given
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(admin.user)
    secret = _get_new_csrf_string()
    client.cookies["csrftoken"] = secret
    # when
    response = client.post("/api/v1/accounts/", {"name": "With CSRF"}, format="json", HTTP_X_CSRFTOKEN=secret)
    # then
    assert response.status_code == 201
    assert list(Account.objects.values_list("name", flat=True)) == ["With CSRF"]


def test_token_requests_need_no_csrf(admin):
    # given
    client = _token_client(admin)
    client.enforce_csrf_checks = True
    # when
    response = client.post("/api/v1/accounts/", {"name": "Integration"}, format="json")
    # then
    assert response.status_code == 201
    assert list(Account.objects.values_list("name", flat=True)) == ["Integration"]


def test_header_picks_among_the_users_organizations_for_session_requests(admin, other_org):
    # given
    MembershipFactory(organization=other_org, user=admin.user, role="admin")
    other_account = AccountFactory(organization=other_org)
    client = _session_client(admin)
    # when
    response = client.get("/api/v1/accounts/", HTTP_X_ORGANIZATION="globex")
    # then
    assert _ids(response) == [other_account.pk]


def test_pagination_limit_and_offset(admin, org):
    # given
    accounts = [AccountFactory(organization=org, name=f"Account {i:02d}") for i in range(5)]
    client = _session_client(admin)
    # when
    page = client.get("/api/v1/accounts/?limit=2&offset=2").json()
    # then
    assert page["count"] == 5
    assert _ids_from(page) == [accounts[2].pk, accounts[3].pk]
    assert page["next"] == "http://testserver/api/v1/accounts/?limit=2&offset=4"
    assert page["previous"] == "http://testserver/api/v1/accounts/?limit=2"


def _ids_from(page: dict) -> list[int]:
    return [row["id"] for row in page["results"]]


def test_filters_by_stage_and_product_line(admin, org):
    # given
    product = ProductFactory(organization=org)
    won = OpportunityFactory(organization=org, stage="closed_won", product_line=product.product_line)
    won_elsewhere = OpportunityFactory(organization=org, stage="closed_won")
    OpportunityFactory(organization=org, stage="proposal", product_line=product.product_line)
    client = _session_client(admin)
    # when
    by_both = client.get(f"/api/v1/opportunities/?stage=closed_won&product_line={product.product_line_id}")
    by_stage = client.get("/api/v1/opportunities/?stage=closed_won")
    products = client.get(f"/api/v1/products/?product_line={product.product_line_id}")
    # then
    assert _ids(by_both) == [won.pk]
    assert sorted(_ids(by_stage)) == sorted([won.pk, won_elsewhere.pk])
    assert _ids(products) == [product.pk]


def test_unknown_filter_value_is_a_400(admin, org):
    # when
    response = _session_client(admin).get("/api/v1/opportunities/?stage=nonsense")
    # then
    assert response.status_code == 400
    assert response.json() == {
        "stage": ["Select a valid choice. nonsense is not one of the available choices."]
    }


@pytest.mark.parametrize("rows", [2, 30])
def test_opportunity_list_query_count_is_constant(rows, admin, org, django_assert_num_queries):
    # given
    account = AccountFactory(organization=org)
    OpportunityFactory.create_batch(rows, organization=org, account=account, owner=admin.user)
    client = _token_client(admin)
    # when: token lookup, last-used stamp, membership, count, page
    with django_assert_num_queries(5):
        response = client.get("/api/v1/opportunities/")
    # then
    assert response.json()["count"] == rows


def test_overriding_get_queryset_fails_at_import():
    # when / then
    with pytest.raises(TypeError, match="must not override get_queryset"):

        class Leaky(OrganizationScopedViewSetMixin, viewsets.ModelViewSet):
            def get_queryset(self):
                return Account.objects.all()


def test_overriding_get_permissions_fails_at_import():
    # when / then
    with pytest.raises(TypeError, match="must not override get_permissions"):

        class Open(OrganizationScopedViewSetMixin, viewsets.ModelViewSet):
            def get_permissions(self):
                return []


def test_putting_the_mixin_after_the_viewset_fails_at_import():
    # when / then
    with pytest.raises(TypeError, match="must not override get_queryset"):

        class Misordered(viewsets.ModelViewSet, OrganizationScopedViewSetMixin):
            pass


def test_dangerous_escape_hatch_is_allowed_and_used(admin, org):
    # given
    AccountFactory(organization=org, name="Visible")

    class Explicit(OrganizationScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
        model = Account

        def dangerously_get_queryset(self):
            return Account.objects.none()

    # when
    rows = list(Explicit().get_queryset())
    # then
    assert rows == []


def test_browsable_api_renders_for_a_session_user(admin, rep_opportunity):
    # when
    response = _session_client(admin).get("/api/v1/opportunities/", HTTP_ACCEPT="text/html")
    # then
    assert response.status_code == 200
    assert "Rep deal" in response.content.decode()
