"""A rule saved in the builder, exported and imported again unchanged, changes nothing."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from attribution.models import AttributionRule, AttributionRuleVersion
from revops.models import AuditEvent, JobRun

pytestmark = pytest.mark.django_db

BUILDER_RULE = {
    "name": "Referral over 50k",
    "description": "Referral partners on large deals",
    "scope": "opportunity",
    "priority": "20",
    "is_active": "on",
    "roles": ["referral"],
    "segments": ["enterprise"],
    "min_amount": "50000",
    "min_inclusive": "on",
    "action": "set_split",
    "percent": "12.5",
    "intent": "save",
}


def _state(org):
    return (
        list(AttributionRule.objects.filter(organization=org).values_list("name", "current_version__number")),
        AttributionRuleVersion.objects.filter(organization=org).count(),
        JobRun.objects.filter(organization=org).count(),
        AuditEvent.objects.filter(organization=org, action__startswith="attribution_rule").count(),
    )


@pytest.mark.parametrize("fmt", ["json", "yaml"])
def test_builder_rule_exported_and_imported_on_the_page_is_unchanged(org, admin, client_for, fmt):
    # given: a rule saved in the builder
    client = client_for(admin)
    client.post(reverse("attribution:rule-new"), BUILDER_RULE)
    before = _state(org)
    assert before == ([("Referral over 50k", 1)], 1, 1, 1)
    content = client.get(reverse("attribution:rule-export"), {"format": fmt}).content.decode()
    # when: the file is imported again as it is
    response = client.post(
        reverse("attribution:rule-import-confirm"),
        {"content": content, "filename": f"rules.{fmt}"},
        follow=True,
    )
    # then: nothing updated, no new version, no recompute queued
    assert "Imported 1 rule: 0 new, 0 changed, 1 unchanged." in response.content.decode()
    assert _state(org) == before


def test_builder_rule_exported_and_imported_through_the_api_is_unchanged(org, admin, client_for):
    # given: a rule saved in the builder
    client_for(admin).post(reverse("attribution:rule-new"), BUILDER_RULE)
    before = _state(org)
    api = APIClient()
    api.force_login(admin.user)
    content = api.get("/api/v1/attribution/rules/export/", {"file_format": "json"}).content.decode()
    # when
    response = api.post(
        "/api/v1/attribution/rules/import/",
        {"file_format": "json", "content": content, "reason": "same file"},
        format="json",
    )
    # then
    assert response.json()["updated"] == []
    assert response.json()["unchanged"] == ["Referral over 50k"]
    assert response.json()["recompute_job"] is None
    assert _state(org) == before


def test_api_rule_exported_and_imported_on_the_page_is_unchanged(org, admin, client_for):
    # given: a rule created through the API, exported from the page
    api = APIClient()
    api.force_login(admin.user)
    api.post(
        "/api/v1/attribution/rules/",
        {
            "name": "Referral 10",
            "description": "Ten percent",
            "conditions": {"roles": ["referral"]},
            "action": {"kind": "set_split", "percent": "10"},
        },
        format="json",
    )
    before = _state(org)
    client = client_for(admin)
    content = client.get(reverse("attribution:rule-export"), {"format": "json"}).content.decode()
    # when
    client.post(reverse("attribution:rule-import-confirm"), {"content": content, "filename": "rules.json"})
    # then
    assert _state(org) == before
