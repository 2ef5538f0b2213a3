"""OpenAPI schema and docs: generated without warnings, valid, complete, served locally."""

import re

import pytest
from django.core.management import call_command
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

from revops.api.urls import router

pytestmark = pytest.mark.django_db


def _router_paths() -> set[str]:
    """Every route the router serves, in OpenAPI form (/api/v1/accounts/{id}/)."""
    paths = set()
    for url in router.urls:
        path = str(url.pattern).strip("^$").replace("(?P<pk>[^/.]+)", "{id}")
        if "format" in path or not path:  # format suffixes and the browsable root
            continue
        paths.add(f"/api/v1/{path}")
    return paths


def test_schema_generates_without_warnings(tmp_path):
    # when / then: --fail-on-warn raises on any warning or error, --validate checks the spec
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(tmp_path / "schema.yaml"))
    assert (tmp_path / "schema.yaml").read_text().startswith("openapi: 3.0.3")


def _signed_in(admin) -> APIClient:
    client = APIClient()
    client.force_authenticate(admin.user)
    return client


def test_schema_and_docs_need_a_signed_in_user():
    # when
    responses = [APIClient().get(url) for url in ("/api/schema/?format=json", "/api/docs/")]
    # then
    assert [r.status_code for r in responses] == [401, 401]


def test_served_schema_is_valid_and_lists_every_route(admin):
    # when
    response = _signed_in(admin).get("/api/schema/?format=json")
    # then
    assert response.status_code == 200
    schema = response.json()
    validate_schema(schema)
    expected = _router_paths() | {"/api/v1/me/"}
    assert len(expected) == 18
    assert expected <= set(schema["paths"])
    assert schema["components"]["securitySchemes"]["ApiToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "Authorization: Bearer rvp_…",
    }
    assert set(schema["paths"]["/api/v1/tokens/{id}/revoke/"]) == {"post"}
    assert set(schema["paths"]["/api/v1/periods/"]) == {"get"}


def test_docs_page_uses_only_local_assets(admin):
    # when
    response = _signed_in(admin).get("/api/docs/")
    # then
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert re.findall(r"https?://", html) == []
