"""Attribution API: split rules (validated, versioned, diagnosed), rule-set export and import."""

import json

import pytest
import yaml
from rest_framework.test import APIClient

from attribution.models import AttributionRule, AttributionRuleVersion
from attribution.rule_templates import TEMPLATES_BY_KEY
from attribution.services.rules import rule_create
from revops.models import AuditEvent, JobRun

pytestmark = pytest.mark.django_db

RULES = "/api/v1/attribution/rules/"
REFERRAL_10 = {
    "name": "Referral 10",
    "conditions": {"roles": ["referral"]},
    "action": {"kind": "set_split", "percent": "10"},
}


def api_for(membership) -> APIClient:
    client = APIClient()
    client.force_login(membership.user)
    return client


def test_rule_create_stores_version_one(admin, org):
    # when
    response = api_for(admin).post(RULES, {**REFERRAL_10, "priority": 40}, format="json")
    # then
    assert response.status_code == 201
    rule = AttributionRule.objects.get()
    body = response.json()
    assert (body["id"], body["name"], body["priority"], body["version"], body["diagnostics"]) == (
        rule.pk,
        "Referral 10",
        40,
        1,
        [],
    )
    assert body["definition"]["action"] == {"kind": "set_split", "percent": "10.00"}
    assert body["definition"]["conditions"]["roles"] == ["referral"]
    assert rule.current_version.definition == {
        "scope": "opportunity",
        "conditions": {"roles": ["referral"]},
        "action": {"kind": "set_split", "percent": "10.00"},
    }
    job = JobRun.objects.get(organization=org, kind="attribution.recompute")
    assert body["recompute_job"] == job.pk
    assert job.idempotency_key == f"attribution.recompute:rules-{rule.current_version.pk}"


def test_rule_save_reports_conflicting_rules(admin, org):
    # given
    client = api_for(admin)
    first = client.post(
        RULES,
        {"name": "Allow referral", "conditions": {"roles": ["referral"]}, "action": {"kind": "allow"}},
        format="json",
    ).json()
    # when
    response = client.post(
        RULES,
        {"name": "No referral", "conditions": {"roles": ["referral"]}, "action": {"kind": "deny"}},
        format="json",
    )
    # then
    assert response.status_code == 201
    [diagnostic] = response.json()["diagnostics"]
    assert diagnostic["kind"] == "conflict"
    assert sorted(diagnostic["rule_ids"]) == sorted([first["id"], response.json()["id"]])
    assert diagnostic["message"] == (
        "Rules 'Allow referral' and 'No referral' have the same priority (100), "
        "overlapping conditions and different actions."
    )


@pytest.mark.parametrize(
    ("_case", "body", "errors"),
    [
        (
            "percent missing",
            {"name": "Bad", "action": {"kind": "set_split"}},
            {"action.percent": ["a set_split action needs a percent"]},
        ),
        (
            "percent over 100",
            {"name": "Bad", "action": {"kind": "cap", "percent": "101"}},
            {"action.percent": ["Input should be less than or equal to 100"]},
        ),
        (
            "unknown role",
            {"name": "Bad", "conditions": {"roles": ["reseller"]}, "action": {"kind": "allow"}},
            {"conditions.roles.0": ["Input should be 'si', 'influence', 'referral' or 'isv'"]},
        ),
        (
            "empty amount range",
            {
                "name": "Bad",
                "conditions": {"min_amount": "50", "max_amount": "10"},
                "action": {"kind": "deny"},
            },
            {"conditions.max_amount": ["the amount range is empty (min_amount is not below max_amount)"]},
        ),
        ("no action", {"name": "Bad"}, {"action": ["Field required"]}),
    ],
)
def test_rule_create_validation_errors_name_the_field_and_write_nothing(admin, org, _case, body, errors):
    # when
    response = api_for(admin).post(RULES, body, format="json")
    # then
    assert response.status_code == 400
    assert response.json() == errors
    assert not AttributionRule.objects.exists()
    assert not AuditEvent.objects.exists()


def test_rule_update_writes_a_new_version_and_lists_versions(admin, org):
    # given
    client = api_for(admin)
    rule_id = client.post(RULES, REFERRAL_10, format="json").json()["id"]
    # when
    patched = client.patch(
        f"{RULES}{rule_id}/",
        {"action": {"kind": "set_split", "percent": "12.5"}, "reason": "Q3 program"},
        format="json",
    )
    put = client.put(
        f"{RULES}{rule_id}/",
        {**REFERRAL_10, "priority": 20, "is_active": False, "reason": "Paused"},
        format="json",
    )
    versions = client.get(f"{RULES}{rule_id}/versions/")
    # then
    assert (patched.status_code, put.status_code) == (200, 200)
    assert patched.json()["definition"]["action"] == {"kind": "set_split", "percent": "12.50"}
    assert (put.json()["version"], put.json()["priority"], put.json()["is_active"]) == (3, 20, False)
    assert [
        (v["number"], v["change_reason"], v["definition"]["action"].get("percent")) for v in versions.json()
    ] == [
        (3, "Paused", "10.00"),
        (2, "Q3 program", "12.50"),
        (1, "", "10.00"),
    ]


def test_rule_update_needs_a_reason_and_keeps_the_name(admin, org):
    # given
    client = api_for(admin)
    rule_id = client.post(RULES, REFERRAL_10, format="json").json()["id"]
    audits = AuditEvent.objects.count()
    # when
    no_reason = client.patch(f"{RULES}{rule_id}/", {"priority": 5}, format="json")
    renamed = client.patch(f"{RULES}{rule_id}/", {"name": "Other", "reason": "rename"}, format="json")
    # then
    assert no_reason.status_code == 400
    assert no_reason.json() == {"reason": ["Say why the rule changes."]}
    assert renamed.status_code == 400
    assert renamed.json() == {
        "name": ["The name is set when the rule is created; create a new rule instead."]
    }
    assert AttributionRuleVersion.objects.count() == 1
    assert AttributionRule.objects.get().priority == 100
    assert AttributionRule.objects.get().name == REFERRAL_10["name"]
    assert AuditEvent.objects.count() == audits


def test_rules_cannot_be_deleted(admin, org):
    # given
    rule, _, _ = rule_create(
        organization=admin.organization, actor=admin.user, name="R", definition={"action": {"kind": "allow"}}
    )
    # when
    response = api_for(admin).delete(f"{RULES}{rule.pk}/")
    # then
    assert response.status_code == 405
    assert AttributionRule.objects.filter(pk=rule.pk).exists()
    assert rule.versions.count() == 1


def test_rule_list_is_the_organizations(admin, other_org_admin, org):
    # given
    mine, _, _ = rule_create(
        organization=admin.organization,
        actor=admin.user,
        name="Mine",
        definition={"action": {"kind": "allow"}},
    )
    theirs, _, _ = rule_create(
        organization=other_org_admin.organization,
        actor=other_org_admin.user,
        name="Theirs",
        definition={"action": {"kind": "allow"}},
    )
    # when
    listed = api_for(admin).get(RULES)
    other = api_for(admin).get(f"{RULES}{theirs.pk}/")
    # then
    assert [r["id"] for r in listed.json()["results"]] == [mine.pk]
    assert other.status_code == 404


def test_export_json_and_yaml_round_trip_through_import(admin, org):
    # given
    client = api_for(admin)
    template = TEMPLATES_BY_KEY["no-influence-under-10k"].model_dump(mode="json")
    client.post(RULES, REFERRAL_10, format="json")
    client.post(RULES, template, format="json")
    # when
    as_json = client.get(f"{RULES}export/", {"file_format": "json"})
    as_yaml = client.get(f"{RULES}export/", {"file_format": "yaml"})
    reimport = client.post(
        f"{RULES}import/",
        {"file_format": "yaml", "content": as_yaml.content.decode(), "reason": "same file"},
        format="json",
    )
    # then
    assert as_json["Content-Type"] == "application/json"
    assert as_yaml["Content-Type"] == "application/yaml"
    rules = json.loads(as_json.content)["rules"]
    assert [r["name"] for r in rules] == ["No influence credit below $10k", "Referral 10"]
    assert rules[0] == {**template, "priority": 10}
    assert yaml.safe_load(as_yaml.content) == json.loads(as_json.content)
    assert reimport.json() == {
        "dry_run": False,
        "created": [],
        "updated": [],
        "unchanged": ["No influence credit below $10k", "Referral 10"],
        "diagnostics": [],
        "recompute_job": None,  # nothing changed, so no ledger recompute is queued
    }
    assert AttributionRuleVersion.objects.count() == 2


def test_import_creates_and_updates_by_name(admin, org):
    # given
    rule_create(
        organization=admin.organization,
        actor=admin.user,
        name="Referral 10",
        definition={
            "scope": "opportunity",
            "conditions": {"roles": ["referral"]},
            "action": {"kind": "set_split", "percent": "10.00"},
        },
    )
    content = json.dumps(
        {
            "rules": [
                {**REFERRAL_10, "action": {"kind": "set_split", "percent": "11"}},
                {"name": "ISV cap", "action": {"kind": "cap", "percent": "15"}},
            ]
        }
    )
    # when
    response = api_for(admin).post(
        f"{RULES}import/", {"file_format": "json", "content": content, "reason": "New program"}, format="json"
    )
    # then
    assert response.status_code == 200
    assert (response.json()["created"], response.json()["updated"]) == (["ISV cap"], ["Referral 10"])
    referral = AttributionRule.objects.get(name="Referral 10")
    assert (referral.current_version.number, referral.current_version.definition["action"]["percent"]) == (
        2,
        "11.00",
    )
    assert referral.current_version.change_reason == "New program"


def test_import_dry_run_reports_and_writes_nothing(admin, org):
    # given
    content = json.dumps({"rules": [REFERRAL_10]})
    # when
    response = api_for(admin).post(
        f"{RULES}import/",
        {"file_format": "json", "content": content, "dry_run": True, "reason": "try"},
        format="json",
    )
    # then
    assert response.status_code == 200
    assert (response.json()["dry_run"], response.json()["created"]) == (True, ["Referral 10"])
    assert not AttributionRule.objects.exists()
    assert not AuditEvent.objects.exists()


def test_import_of_an_invalid_file_names_the_rule_and_field(admin, org):
    # given
    content = "rules:\n  - name: Ok\n    action: {kind: allow}\n  - name: Bad\n    action: {kind: cap}\n"
    # when
    response = api_for(admin).post(
        f"{RULES}import/", {"file_format": "yaml", "content": content, "reason": "x"}, format="json"
    )
    # then
    assert response.status_code == 400
    assert response.json() == {"content": ["Rule 2: action: percent: a cap action needs a percent"]}
    assert not AttributionRule.objects.exists()
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("role", ["manager", "finance_admin", "rep"])
def test_only_rule_editors_change_rules(request, role, org):
    # given
    member = request.getfixturevalue(role)
    client = api_for(member)
    # when
    listed = client.get(RULES)
    created = client.post(RULES, REFERRAL_10, format="json")
    imported = client.post(
        f"{RULES}import/", {"file_format": "json", "content": '{"rules": []}', "reason": "x"}, format="json"
    )
    # then
    assert (listed.status_code, created.status_code, imported.status_code) == (200, 403, 403)
    assert listed.json()["results"] == []
    assert not AttributionRule.objects.exists()
    assert not AuditEvent.objects.exists()
