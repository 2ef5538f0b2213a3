"""Partners API with tokens: partner tokens create and read their own partner's registrations,
internal tokens read and decide; everything outside scope is 404; errors like the portal's."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from partners.models import ApprovalDecision, DealRegistration, RegistrationStatus
from partners.services.approvals import OWN_REQUEST, REJECT_REASON_REQUIRED
from partners.services.registrations import registration_submit
from revops.models import AuditEvent, Role
from revops.services.tokens import api_token_create
from tests.partners.factories import registration_input
from tests.revops.factories import MembershipFactory, PartnerFactory, ProductLineFactory, UserFactory

pytestmark = pytest.mark.django_db

PORTAL_LIST = "/api/v1/partners/portal/registrations/"
INTERNAL_LIST = "/api/v1/partners/registrations/"

GOOD = {
    "account_name": "Bluebird Logistics",
    "domain": "bluebird.example",
    "contact_name": "Ada Byrne",
    "contact_email": "ada@bluebird.example",
    "estimated_value": "25000.00",
    "currency": "USD",
    "expected_close": "2026-06-30",
    "role": "referral",
}


def bearer(membership) -> APIClient:
    _, key = api_token_create(
        organization=membership.organization, user=membership.user, name="t", acting_user=membership.user
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.fixture
def registrations(org, other_org, line, partner_user, partner_colleague, other_partner_user):
    """Mine, my colleague's, the other partner's (Acme), and one of Globex."""
    globex_partner = PartnerFactory(organization=other_org, name="Ibis Partners")
    globex_user = MembershipFactory(
        organization=other_org,
        user=UserFactory(email="p@globex.test"),
        role=Role.PARTNER,
        partner=globex_partner,
    )
    globex_line = ProductLineFactory(organization=other_org, name="Globex line", code="gl")
    return {
        "mine": registration_submit(
            membership=partner_user, data=registration_input(line, account_name="Mine Co")
        ),
        "colleague": registration_submit(
            membership=partner_colleague, data=registration_input(line, account_name="Colleague Co")
        ),
        "other": registration_submit(
            membership=other_partner_user, data=registration_input(line, account_name="Other Co")
        ),
        "globex": registration_submit(
            membership=globex_user, data=registration_input(globex_line, account_name="Globex Co")
        ),
    }


def _names(response) -> set[str]:
    return {row["account_name"] for row in response.json()["results"]}


def test_partner_token_lists_only_its_own_registrations(partner_user, registrations):
    response = bearer(partner_user).get(PORTAL_LIST)
    assert response.status_code == 200
    assert _names(response) == {"Mine Co"}
    body = response.content.decode()
    assert "conflict_warnings" in body
    assert '"steps"' not in body and '"conflict"' not in body  # the internal view is not shown


def test_partner_manager_token_lists_the_partners_registrations(partner_manager, registrations):
    response = bearer(partner_manager).get(PORTAL_LIST)
    assert _names(response) == {"Mine Co", "Colleague Co"}


@pytest.mark.parametrize("which", ["colleague", "other", "globex"])
def test_partner_token_gets_404_on_others_registrations(partner_user, registrations, which):
    response = bearer(partner_user).get(f"{PORTAL_LIST}{registrations[which].pk}/")
    assert response.status_code == 404


def test_partner_token_reads_its_own_registration(partner_user, registrations):
    response = bearer(partner_user).get(f"{PORTAL_LIST}{registrations['mine'].pk}/")
    assert response.status_code == 200
    assert response.json()["account_name"] == "Mine Co"
    assert response.json()["status"] == "submitted"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", INTERNAL_LIST),
        ("get", "{internal}{mine}/"),
        ("post", "{internal}{mine}/approve/"),
        ("post", "{internal}{mine}/reject/"),
    ],
)
def test_partner_token_gets_404_on_internal_endpoints(partner_user, registrations, method, path):
    url = path.format(internal=INTERNAL_LIST, mine=registrations["mine"].pk)
    response = getattr(bearer(partner_user), method)(url, {"reason": "no"}, format="json")
    assert response.status_code == 404
    assert DealRegistration.objects.get(pk=registrations["mine"].pk).status == RegistrationStatus.SUBMITTED


@pytest.mark.parametrize("method", ["get", "post"])
def test_internal_token_gets_404_on_portal_endpoints(manager, registrations, method, line):
    response = getattr(bearer(manager), method)(PORTAL_LIST, {**GOOD, "product_line": line.pk}, format="json")
    assert response.status_code == 404
    assert DealRegistration.objects.count() == 4


def test_partner_token_creates_a_registration_through_the_service(partner_user, line, admin):
    response = bearer(partner_user).post(PORTAL_LIST, {**GOOD, "product_line": line.pk}, format="json")
    assert response.status_code == 201, response.content
    registration = DealRegistration.objects.get(pk=response.json()["id"])
    assert registration.partner_id == partner_user.partner_id
    assert registration.submitted_by_id == partner_user.user_id
    assert registration.steps and registration.step_due_at is not None  # routed like the portal's
    assert (
        AuditEvent.objects.filter(action="deal_registration.submit", object_id=str(registration.pk)).count()
        == 1
    )
    assert response.json()["status"] == "submitted"


def test_api_create_shows_the_conflict_warning(partner_user, other_partner_user, line):
    registration_submit(membership=other_partner_user, data=registration_input(line))
    response = bearer(partner_user).post(PORTAL_LIST, {**GOOD, "product_line": line.pk}, format="json")
    assert response.status_code == 201
    assert response.json()["has_conflict"] is True
    assert response.json()["conflict_warnings"] == ["Another partner has registered this company."]


BAD_INPUTS = [
    {"estimated_value": "-5"},
    {"account_name": ""},
    {"expected_close": "soon"},
    {"role": "reseller"},
    {"contact_email": "not-an-address"},
    {"product_line": 999999},
]


@pytest.mark.parametrize("bad", BAD_INPUTS)
def test_api_and_portal_form_give_the_same_errors_on_bad_input(partner_user, client_for, line, bad):
    data = {**GOOD, "product_line": line.pk, **bad}
    api = bearer(partner_user).post(PORTAL_LIST, data, format="json")
    page = client_for(partner_user).post(reverse("portal:registration-new"), data)
    assert api.status_code == 400
    assert page.status_code == 400
    form_errors = {name: list(errors) for name, errors in page.context["form"].errors.items()}
    assert api.json() == form_errors
    assert DealRegistration.objects.count() == 0


def test_other_org_product_line_is_refused(partner_user, other_org):
    foreign = ProductLineFactory(organization=other_org, name="Foreign", code="foreign")
    response = bearer(partner_user).post(PORTAL_LIST, {**GOOD, "product_line": foreign.pk}, format="json")
    assert response.status_code == 400
    assert "product_line" in response.json()
    assert DealRegistration.objects.count() == 0


def test_internal_token_reads_the_organizations_registrations(manager, registrations):
    response = bearer(manager).get(INTERNAL_LIST)
    assert response.status_code == 200
    assert _names(response) == {"Mine Co", "Colleague Co", "Other Co"}
    detail = bearer(manager).get(f"{INTERNAL_LIST}{registrations['mine'].pk}/").json()
    assert detail["steps"] and "accounts" in detail["conflict"]


def test_other_org_token_gets_404(other_org_admin, registrations):
    response = bearer(other_org_admin).get(f"{INTERNAL_LIST}{registrations['mine'].pk}/")
    assert response.status_code == 404
    assert _names(bearer(other_org_admin).get(INTERNAL_LIST)) == {"Globex Co"}


def test_rep_token_sees_no_registrations(rep, registrations):
    assert bearer(rep).get(INTERNAL_LIST).status_code == 403


def test_manager_token_approves_and_links_the_deal(manager, registrations):
    pk = registrations["mine"].pk
    response = bearer(manager).post(f"{INTERNAL_LIST}{pk}/approve/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved"
    registration = DealRegistration.objects.get(pk=pk)
    assert registration.opportunity_id is not None and registration.protected_until is not None
    again = bearer(manager).post(f"{INTERNAL_LIST}{pk}/approve/")
    assert again.status_code == 400
    assert again.json() == {"non_field_errors": ["Already decided: approved."]}
    assert ApprovalDecision.objects.filter(registration_id=pk).count() == 1


def test_reject_needs_a_reason(manager, registrations):
    pk = registrations["mine"].pk
    response = bearer(manager).post(f"{INTERNAL_LIST}{pk}/reject/", {}, format="json")
    assert response.status_code == 400
    assert response.json() == {"reason": [REJECT_REASON_REQUIRED]}
    assert DealRegistration.objects.get(pk=pk).status == RegistrationStatus.SUBMITTED
    assert not ApprovalDecision.objects.filter(registration_id=pk).exists()
    ok = bearer(manager).post(f"{INTERNAL_LIST}{pk}/reject/", {"reason": "Known deal"}, format="json")
    assert ok.status_code == 200
    assert ok.json()["status"] == "rejected" and ok.json()["decision_reason"] == "Known deal"


def test_nobody_approves_their_own_request_through_the_api(manager, registrations):
    # A registration whose submitter is the approver (written so directly: a manager holds
    # no partner membership in the same organization).
    pk = registrations["mine"].pk
    DealRegistration.objects.filter(pk=pk).update(submitted_by=manager.user)
    response = bearer(manager).post(f"{INTERNAL_LIST}{pk}/approve/")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": [OWN_REQUEST]}
    assert DealRegistration.objects.get(pk=pk).status == RegistrationStatus.SUBMITTED
    assert not ApprovalDecision.objects.filter(registration_id=pk).exists()


def test_finance_token_reads_but_does_not_decide(finance_admin, registrations):
    pk = registrations["mine"].pk
    assert bearer(finance_admin).get(f"{INTERNAL_LIST}{pk}/").status_code == 200
    assert bearer(finance_admin).post(f"{INTERNAL_LIST}{pk}/approve/").status_code == 403
    assert DealRegistration.objects.get(pk=pk).status == RegistrationStatus.SUBMITTED


def test_status_filter(manager, registrations):
    bearer(manager).post(f"{INTERNAL_LIST}{registrations['mine'].pk}/approve/")
    assert _names(bearer(manager).get(INTERNAL_LIST, {"status": "approved"})) == {"Mine Co"}
