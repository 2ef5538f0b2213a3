"""Partners API in the OpenAPI schema: every route documented, no warnings."""

import pytest
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

PARTNERS_PATHS = {
    "/api/v1/partners/registrations/",
    "/api/v1/partners/registrations/{id}/",
    "/api/v1/partners/registrations/{id}/approve/",
    "/api/v1/partners/registrations/{id}/reject/",
    "/api/v1/partners/portal/registrations/",
    "/api/v1/partners/portal/registrations/{id}/",
}


def test_schema_documents_every_partners_route(admin):
    # when
    client = APIClient()
    client.force_authenticate(admin.user)
    response = client.get("/api/schema/?format=json")
    # then
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)
    documented = {
        path for path in schema["paths"] if path.startswith("/api/v1/partners/") and ("registrations" in path)
    }
    assert documented == PARTNERS_PATHS
    assert set(schema["paths"]["/api/v1/partners/portal/registrations/"]) == {"get", "post"}
    assert set(schema["paths"]["/api/v1/partners/registrations/{id}/reject/"]) == {"post"}
    body = schema["paths"]["/api/v1/partners/portal/registrations/"]["post"]["requestBody"]
    assert "RegistrationCreate" in str(body)
