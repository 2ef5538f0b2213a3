"""Hostile API input answers 400 naming the field, and writes nothing.

Found by fuzzing: a control character in a name (later the organization's XLSX export failed
for everyone), a JSON body nested until the decoder gave up (RecursionError → 500), a PATCH
of a deal's partner link with an empty body (500), and a date-time filter with an offset
PostgreSQL refuses (500).
"""

import json
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from attribution.models import OpportunityPartner
from revops.models import Account, AuditEvent, OpportunityStageChange
from revops.services.tokens import api_token_create
from revops.text import MAX_NESTING
from tests.attribution.factories import OpportunityPartnerFactory
from tests.revops.factories import OpportunityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_api(admin):
    client = APIClient()
    client.force_login(admin.user)
    return client


def _counts() -> tuple[int, int]:
    return Account.objects.count(), AuditEvent.objects.count()


@pytest.mark.parametrize("name", ["Acme\x01", "\x00Acme", "Ac\x1bme", "Acme\x7f"])
def test_a_control_character_in_a_name_is_refused_naming_the_field(name, admin_api):
    # given
    before = _counts()
    # when
    response = admin_api.post("/api/v1/accounts/", {"name": name}, format="json")
    # then
    assert response.status_code == 400
    assert response.json()["detail"].startswith("name: contains the control character U+00")
    assert _counts() == before


def test_a_control_character_in_a_nested_key_is_refused(admin_api):
    before = _counts()
    response = admin_api.post("/api/v1/accounts/", {"name": "Acme", "extra": {"k\x02": 1}}, format="json")
    assert response.status_code == 400
    assert "extra: a key contains the control character U+0002" in response.json()["detail"]
    assert _counts() == before


def test_tabs_and_newlines_are_text(admin_api):
    response = admin_api.post("/api/v1/accounts/", {"name": "Acme\tEast\nWest"}, format="json")
    assert response.status_code == 201
    assert Account.objects.get().name == "Acme\tEast\nWest"


@pytest.mark.parametrize("depth", [MAX_NESTING + 1, 100_000])
def test_deeply_nested_json_is_a_400_not_a_recursion_error(depth, admin_api):
    # given: {"name": [[[[...]]]]}, as deep as the decoder allows and much deeper
    body = '{"name": ' + "[" * depth + "]" * depth + "}"
    before = _counts()
    # when
    response = admin_api.generic("POST", "/api/v1/accounts/", body, content_type="application/json")
    # then
    assert response.status_code == 400
    assert "nested" in response.json()["detail"]
    assert _counts() == before


def test_patch_of_a_deal_partner_link_with_an_empty_body_is_a_400(admin, org, admin_api):
    # given
    link = OpportunityPartnerFactory(organization=org, split_percent=Decimal("10.00"))
    audits = AuditEvent.objects.count()
    # when
    response = admin_api.patch(f"/api/v1/attribution/opportunity-partners/{link.pk}/", {}, format="json")
    # then
    assert response.status_code == 400
    assert set(response.json()) == {"reason"}
    link.refresh_from_db()
    assert link.split_percent == Decimal("10.00")
    assert OpportunityPartner.objects.count() == 1
    assert AuditEvent.objects.count() == audits


def _stage_change(org):
    opportunity = OpportunityFactory(organization=org, stage="proposal")
    return OpportunityStageChange.objects.filter(opportunity=opportunity).first()


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ("0898-11-22T09:18:12+20:56", 200),  # an offset PostgreSQL refuses: converted to UTC first
        ("2026-01-01T00:00:00+15:59", 200),
        ("0001-01-01T00:00:00+20:00", 400),  # before year 1 in UTC
        ("9999-12-31T23:59:59-20:00", 400),  # after year 9999 in UTC
        ("not a date", 400),
    ],
)
def test_changed_before_with_any_offset_is_never_a_server_error(value, status, admin_api):
    response = admin_api.get("/api/v1/stage-changes/", {"changed_before": value})
    assert response.status_code == status, response.content[:300]
    if status == 400:
        assert set(response.json()) == {"changed_before"}
    else:
        assert response.json()["results"] == []


@pytest.mark.postgres
@pytest.mark.parametrize("value", ["0898-11-22T09:18:12+20:56", "2026-11-22T09:18:12-23:59"])
def test_changed_before_with_a_far_offset_on_postgresql(value, admin_api):
    response = admin_api.get("/api/v1/stage-changes/", {"changed_before": value, "changed_after": value})
    assert response.status_code == 200, response.content[:300]
    assert json.loads(response.content)["results"] == []


@pytest.mark.parametrize("url", ["/api/schema/?format=json", "/api/docs/"])
def test_partner_users_cannot_read_the_api_schema_or_docs(url, partner_user, admin, client_for):
    # given / when
    partner = client_for(partner_user).get(url)
    staff = client_for(admin).get(url)
    # then: the internal API surface is for those who may call it (a partner is told nothing)
    assert partner.status_code == 404
    assert b"/api/v1/" not in partner.content
    assert staff.status_code == 200


def test_a_token_reads_the_schema(admin):
    _, key = api_token_create(
        organization=admin.organization, user=admin.user, name="ci", acting_user=admin.user
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert client.get("/api/schema/?format=json").status_code == 200


# Found by the schemathesis run (tests/security/test_api_fuzz.py).


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/accounts/?owner=-2.8889101844157377e%2B166", "owner"),
        ("/api/v1/attribution/ledger/?opportunity=1.9e128", "opportunity"),
        ("/api/v1/distribution/assignments/?run=99999999999999999999", "run"),
        ("/api/v1/distribution/runs/?config=30.0", "config"),
        ("/api/v1/distribution/leads/?unassigned=maybe", "unassigned"),
        ("/api/v1/products/?is_active=null", "is_active"),
        ("/api/v1/attribution/rules/?is_active=maybe", "is_active"),
        ("/api/v1/accounts/?limit=abc", "limit"),
        ("/api/v1/accounts/?offset=-3", "offset"),
        ("/api/v1/accounts/?offset=100000000000000000000", "offset"),
        ("/api/v1/forecasting/scores/?min_risk=2.92764413017927e%2B47", "min_risk"),
        ("/api/v1/forecasting/scores/?min_risk=101", "min_risk"),
        ("/api/v1/forecasting/scores/?min_risk=50.5", "min_risk"),
    ],
)
def test_a_filter_or_page_out_of_range_is_a_400_naming_it(url, field, admin_api):
    # when
    response = admin_api.get(url)
    # then
    assert response.status_code == 400
    assert list(response.json()) == [field]


def test_an_api_url_matching_no_route_answers_json_404(admin_api):
    # when: an id not in the route's form never reaches a view
    responses = [admin_api.get(url) for url in ("/api/v1/accounts/1.5/", "/api/v1/imports/jobs/true/")]
    # then
    assert [(r.status_code, r["Content-Type"], r.json()) for r in responses] == [
        (404, "application/json", {"detail": "Not found."})
    ] * 2


@pytest.mark.parametrize(
    "partner_id", ["-10408459071457552690554389659648", "99999999999999999999999", "9" * 19]
)
def test_a_partner_id_no_database_integer_holds_is_a_404(partner_id, admin_api):
    # when: the health route looks partners up by id (it answered 500: the database refused it)
    response = admin_api.get(f"/api/v1/partners/health/{partner_id}/")
    # then
    assert (response.status_code, response.json()) == (404, {"detail": "Not found."})


def _served_schema(admin_api) -> dict:
    response = admin_api.get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def _response_schema(schema: dict, path: str, method: str) -> dict:
    body = schema["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"]
    while "$ref" in body:
        body = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    return body


def test_the_schema_describes_the_answers_the_routes_give(admin_api):
    # given
    schema = _served_schema(admin_api)
    # when
    channels = _response_schema(schema, "/api/v1/marketing/runs/{id}/channels/", "get")
    bulk = _response_schema(schema, "/api/v1/distribution/leads/bulk/", "post")
    # then: one run's credit per channel is a plain list (the route does not paginate it), and
    # a bulk upsert answers its counts, not the rows it was sent
    assert channels["type"] == "array"
    assert set(bulk["properties"]) == {"created", "updated", "unchanged"}
    assert set(bulk["required"]) == {"created", "updated", "unchanged"}


def test_a_page_url_matching_no_route_keeps_the_404_page(admin_api):
    # when
    response = admin_api.get("/no-such-page/")
    # then
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
