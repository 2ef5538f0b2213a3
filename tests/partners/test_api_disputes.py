"""Disputes API: partner tokens scoped like partner users, never an internal note in the
JSON; internal members comment, note and resolve; the schema documents every route."""

import datetime as dt
from decimal import Decimal

import pytest
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from attribution.models import AttributionEntry
from attribution.services.recompute import attribution_recompute
from partners.models import PartnerDispute
from partners.services.disputes import dispute_comment, dispute_open
from revops.services.periods import periods_ensure
from revops.services.tokens import api_token_create
from tests.attribution.factories import OpportunityPartnerFactory, RevenueEventFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/partners/disputes/"


@pytest.fixture
def deal(org, rep_opportunity, partner):
    periods_ensure(organization=org, start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 31))
    OpportunityPartnerFactory(
        organization=org,
        opportunity=rep_opportunity,
        partner=partner,
        role="referral",
        split_percent=Decimal("10"),
    )
    RevenueEventFactory(
        organization=org, opportunity=rep_opportunity, date=dt.date(2026, 1, 20), amount=Decimal("1000.00")
    )
    attribution_recompute(organization=org)
    return rep_opportunity


def token_client(membership, admin) -> APIClient:
    _, key = api_token_create(
        organization=membership.organization, user=membership.user, name="integration", acting_user=admin.user
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def session_client(membership) -> APIClient:
    client = APIClient()
    client.force_authenticate(membership.user)
    return client


def test_partner_token_opens_and_reads_its_dispute_without_internal_notes(
    org, deal, partner_user, manager, admin
):
    # given
    client = token_client(partner_user, admin)
    # when
    created = client.post(
        URL, {"opportunity": deal.pk, "claim": "We sourced it", "proposed_split_percent": "15"}, format="json"
    )
    dispute_id = created.json()["id"]
    dispute_comment(membership=manager, dispute_id=dispute_id, body="Sandpiper check", internal=True)
    dispute_comment(membership=manager, dispute_id=dispute_id, body="Send proof please")
    detail = client.get(f"{URL}{dispute_id}/")
    listing = client.get(URL)
    # then
    assert created.status_code == 201
    assert detail.status_code == 200
    assert [c["body"] for c in detail.json()["comments"]] == ["Send proof please"]
    assert "Sandpiper" not in detail.content.decode()
    assert [row["id"] for row in listing.json()["results"]] == [dispute_id]


def test_partner_token_is_refused_internal_notes_and_resolution(org, deal, partner_user, admin):
    # given
    client = token_client(partner_user, admin)
    dispute = dispute_open(
        membership=partner_user, opportunity_id=deal.pk, claim="Ours", proposed_split_percent=Decimal("15")
    )
    # when
    note = client.post(f"{URL}{dispute.pk}/comment/", {"body": "x", "internal": True}, format="json")
    resolve = client.post(f"{URL}{dispute.pk}/resolve/", {"accept": True}, format="json")
    # then
    assert (note.status_code, resolve.status_code) == (403, 403)
    assert dispute.comments.count() == 0
    assert PartnerDispute.objects.get().status == "open"


def test_other_partner_and_other_organization_get_404(
    org, deal, partner_user, other_partner_user, other_org_admin, admin
):
    # given
    dispute = dispute_open(
        membership=partner_user, opportunity_id=deal.pk, claim="Ours", proposed_split_percent=Decimal("15")
    )
    entry = AttributionEntry.objects.get(partner=partner_user.partner)
    other = token_client(other_partner_user, admin)
    outsider = session_client(other_org_admin)
    # when / then
    assert other.get(f"{URL}{dispute.pk}/").status_code == 404
    assert other.get(URL).json()["results"] == []
    opened = other.post(
        URL, {"opportunity": deal.pk, "claim": "Mine", "proposed_split_percent": "50"}, format="json"
    )
    by_line = other.post(
        URL, {"entry": entry.pk, "claim": "Mine", "proposed_split_percent": "50"}, format="json"
    )
    assert (opened.status_code, by_line.status_code) == (404, 404)
    assert outsider.get(f"{URL}{dispute.pk}/").status_code == 404
    assert outsider.post(f"{URL}{dispute.pk}/resolve/", {"accept": True}, format="json").status_code == 404
    assert PartnerDispute.objects.count() == 1


def test_manager_resolves_through_the_api(org, deal, partner_user, manager):
    # given
    dispute = dispute_open(
        membership=partner_user, opportunity_id=deal.pk, claim="Ours", proposed_split_percent=Decimal("15")
    )
    client = session_client(manager)
    # when
    refused = client.post(f"{URL}{dispute.pk}/resolve/", {"accept": False, "reason": ""}, format="json")
    accepted = client.post(
        f"{URL}{dispute.pk}/resolve/", {"accept": True, "reason": "Proof holds"}, format="json"
    )
    # then
    assert refused.status_code == 400
    assert refused.json() == {"reason": ["Give the partner a reason for the rejection."]}
    assert accepted.status_code == 200
    assert (accepted.json()["status"], accepted.json()["adjustment_entries"]) == ("accepted", 1)


def test_schema_documents_the_dispute_routes(admin):
    # when
    response = session_client(admin).get("/api/schema/?format=json")
    # then
    schema = response.json()
    validate_schema(schema)
    documented = {path for path in schema["paths"] if path.startswith("/api/v1/partners/disputes/")}
    assert documented == {
        "/api/v1/partners/disputes/",
        "/api/v1/partners/disputes/{id}/",
        "/api/v1/partners/disputes/{id}/comment/",
        "/api/v1/partners/disputes/{id}/resolve/",
    }
    assert set(schema["paths"]["/api/v1/partners/disputes/"]) == {"get", "post"}
