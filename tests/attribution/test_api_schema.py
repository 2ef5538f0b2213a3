"""Attribution API in the OpenAPI schema: every route documented, no warnings."""

import pytest
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

ATTRIBUTION_PATHS = {
    "/api/v1/attribution/account-partners/",
    "/api/v1/attribution/account-partners/{id}/",
    "/api/v1/attribution/jobs/{id}/",
    "/api/v1/attribution/ledger/",
    "/api/v1/attribution/ledger/{id}/",
    "/api/v1/attribution/ledger/totals/",
    "/api/v1/attribution/opportunities/{id}/explanations/",
    "/api/v1/attribution/opportunity-partners/",
    "/api/v1/attribution/opportunity-partners/{id}/",
    "/api/v1/attribution/recompute/",
    "/api/v1/attribution/revenue-events/",
    "/api/v1/attribution/revenue-events/{id}/",
    "/api/v1/attribution/rules/",
    "/api/v1/attribution/rules/{id}/",
    "/api/v1/attribution/rules/{id}/versions/",
    "/api/v1/attribution/rules/export/",
    "/api/v1/attribution/rules/import/",
    "/api/v1/attribution/settings/",
}


def test_schema_documents_every_attribution_route(admin):
    # when
    client = APIClient()
    client.force_authenticate(admin.user)
    response = client.get("/api/schema/?format=json")
    # then
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)
    documented = {path for path in schema["paths"] if path.startswith("/api/v1/attribution/")}
    assert documented == ATTRIBUTION_PATHS
    assert set(schema["paths"]["/api/v1/attribution/rules/{id}/"]) == {"get", "put", "patch"}
    assert set(schema["paths"]["/api/v1/attribution/ledger/{id}/"]) == {"get"}
