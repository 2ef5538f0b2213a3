"""Rule-set imports: bounded size and depth, a clear error instead of RecursionError, linear cost."""

import json

import pytest
from rest_framework.test import APIClient

import attribution.services.rules as rule_services
from attribution.models import AttributionRule, AttributionRuleVersion
from attribution.rule_schema import MAX_RULES, TOO_DEEP, rules_from_json
from attribution.services.rules import rule_set_import
from revops.models import AuditEvent
from revops.text import MAX_NESTING

pytestmark = pytest.mark.django_db

IMPORT = "/api/v1/attribution/rules/import/"


def _api(admin) -> APIClient:
    client = APIClient()
    client.force_login(admin.user)
    return client


def _rule(i: int) -> dict:
    return {"name": f"Rule {i}", "conditions": {"min_amount": str(i)}, "action": {"kind": "allow"}}


def _nothing_written() -> tuple[int, int, int]:
    return AttributionRule.objects.count(), AttributionRuleVersion.objects.count(), AuditEvent.objects.count()


def _bomb() -> str:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    lines += [f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]" for i in range(8)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("file_format", "content", "message"),
    [
        ("json", "[" * 100_000 + "]" * 100_000, TOO_DEEP),
        ("yaml", "[" * 20_000 + "]" * 20_000, TOO_DEEP),
        (
            "json",
            '{"rules": [' + "[" * (MAX_NESTING + 2) + "]" * (MAX_NESTING + 2) + "]}",
            "nested more than",
        ),
        ("json", json.dumps({"rules": [_rule(i) for i in range(MAX_RULES + 1)]}), "at most 1,000"),
        ("yaml", _bomb(), "more than 500,000 values"),
        ("json", json.dumps({"rules": [{**_rule(1), "name": "Bad\x01"}]}), "control character U+0001"),
    ],
    ids=["deep-json", "deep-yaml", "nested", "too-many", "yaml-alias-bomb", "control-character"],
)
def test_a_hostile_rule_file_is_a_400_naming_the_problem(file_format, content, message, admin):
    # given
    before = _nothing_written()
    # when
    response = _api(admin).post(
        IMPORT, {"file_format": file_format, "content": content, "reason": "x"}, format="json"
    )
    # then
    assert response.status_code == 400
    [error] = response.json()["content"]
    assert message in error
    assert _nothing_written() == before


def test_an_oversized_file_is_refused_by_the_serializer(admin):
    before = _nothing_written()
    content = json.dumps({"rules": [{**_rule(1), "description": "x" * 1_000_001}]})
    response = _api(admin).post(
        IMPORT, {"file_format": "json", "content": content, "reason": "x"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"content"}
    assert _nothing_written() == before


def test_the_largest_allowed_rule_set_parses():
    assert len(rules_from_json(json.dumps({"rules": [_rule(i) for i in range(MAX_RULES)]}))) == MAX_RULES


def test_an_import_diagnoses_the_rule_set_once_so_its_cost_is_linear(admin, org, monkeypatch):
    # given: count the rules the engine's diagnostics look at over the whole import
    seen: list[int] = []
    real = rule_services.rule_set_diagnostics

    def counting(specs):
        specs = list(specs)
        seen.append(len(specs))
        return real(specs)

    monkeypatch.setattr(rule_services, "rule_set_diagnostics", counting)
    rules = rules_from_json(json.dumps([_rule(i) for i in range(60)]))
    # when
    result = rule_set_import(organization=org, actor=admin.user, rules=rules, reason="x")
    # then: one pass over the 60 rules, not 1 + 2 + ... + 60 = 1,830
    assert len(result.created) == 60
    assert seen == [60]
