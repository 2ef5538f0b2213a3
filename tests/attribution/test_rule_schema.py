"""Rule schema validation, JSON/YAML round trips and import errors, and the template library."""

from decimal import Decimal

import pytest
from pydantic import ValidationError

from attribution.engine import ActionKind, Conditions, RuleSpec, Scope, rule_set_diagnostics
from attribution.rule_schema import (
    RuleAction,
    RuleConditions,
    RuleDefinition,
    RuleSetError,
    rules_from_json,
    rules_from_yaml,
    rules_to_json,
    rules_to_yaml,
)
from attribution.rule_templates import RULE_TEMPLATES, rule_template_get

RULES = [
    RuleDefinition(
        name="No influence below $10k",
        priority=5,
        conditions=RuleConditions(roles=["influence"], max_amount=Decimal("10000.00"), stages=["proposal"]),
        action=RuleAction(kind="deny"),
    ),
    RuleDefinition(
        key="si-ent",
        name="SI 20 % enterprise",
        scope="account",
        conditions=RuleConditions(
            roles=["si"], segments=["enterprise"], regions=["emea"], partner_tiers=["gold"]
        ),
        action=RuleAction(kind="set_split", percent=Decimal("20.50")),
    ),
]


def test_json_round_trip_keeps_every_field():
    # when
    loaded = rules_from_json(rules_to_json(RULES))
    # then
    assert loaded == RULES


def test_yaml_round_trip_keeps_every_field():
    # when
    loaded = rules_from_yaml(rules_to_yaml(RULES))
    # then
    assert loaded == RULES


def test_to_spec_hands_the_engine_the_rule_with_id_and_version():
    # when
    spec = RULES[1].to_spec(rule_id=42, version=3)
    # then
    assert spec == RuleSpec(
        id=42,
        version=3,
        name="SI 20 % enterprise",
        scope=Scope.ACCOUNT,
        priority=100,
        conditions=Conditions(
            roles=frozenset({"si"}),
            partner_tiers=frozenset({"gold"}),
            segments=frozenset({"enterprise"}),
            regions=frozenset({"emea"}),
        ),
        action=ActionKind.SET_SPLIT,
        percent=Decimal("20.50"),
    )


@pytest.mark.parametrize(
    ("_case", "text", "message"),
    [
        ("bad percent", '{"rules": [{"name": "a", "action": {"kind": "cap", "percent": "150"}}]}',
         "Rule 1: action.percent: Input should be less than or equal to 100"),
        ("missing percent", '[{"name": "a", "action": {"kind": "allow"}}, {"name": "b", "action": {"kind": "set_split"}}]',
         "Rule 2: action: percent: a set_split action needs a percent"),
        ("unknown role", '[{"name": "a", "conditions": {"roles": ["reseller"]}, "action": {"kind": "deny"}}]',
         "Rule 1: conditions.roles.0: Input should be 'si', 'influence', 'referral' or 'isv'"),
        ("unknown field", '[{"name": "a", "colour": "red", "action": {"kind": "deny"}}]',
         "Rule 1: colour: Extra inputs are not permitted"),
        ("empty range", '[{"name": "a", "conditions": {"min_amount": 5, "max_amount": 5}, "action": {"kind": "deny"}}]',
         "Rule 1: conditions: max_amount: the amount range is empty (min_amount is not below max_amount)"),
        ("not a list", '{"name": "a"}', "The JSON document must hold a list of rules (or an object with a 'rules' list)."),
        ("broken json", '[{"name": ', "Not valid JSON (line 1, column 11): Expecting value."),
    ],
)  # fmt: skip
def test_json_import_errors_name_rule_and_field(_case, text, message):
    # when
    with pytest.raises(RuleSetError) as caught:
        rules_from_json(text)
    # then
    assert str(caught.value) == message


def test_yaml_import_error_names_rule_and_field():
    # given
    text = "rules:\n  - name: ok\n    action: {kind: deny}\n  - name: ''\n    action: {kind: deny}\n"
    # when
    with pytest.raises(RuleSetError) as caught:
        rules_from_yaml(text)
    # then
    assert str(caught.value) == "Rule 2: name: String should have at least 1 character"


def test_yaml_import_uses_safe_load():
    # given
    text = "!!python/object/apply:os.system ['true']"
    # when / then
    with pytest.raises(RuleSetError, match="Not valid YAML"):
        rules_from_yaml(text)


def test_allow_action_refuses_a_percent():
    # when
    with pytest.raises(ValidationError) as caught:
        RuleAction(kind="allow", percent=Decimal("5"))
    # then
    assert "percent: allow actions take no percent" in str(caught.value)


def test_template_library_has_ten_valid_distinct_rules():
    # when
    keys = [t.key for t in RULE_TEMPLATES]
    # then
    assert len(keys) == 10
    assert len(set(keys)) == 10
    assert all(t.description and t.source == "template" for t in RULE_TEMPLATES)
    assert rule_template_get("cap-isv-15").action == RuleAction(kind="cap", percent=Decimal("15"))


def test_template_library_has_no_conflicts_or_unreachable_rules():
    # given
    specs = [t.to_spec(rule_id=i, version=1) for i, t in enumerate(RULE_TEMPLATES)]
    # when
    diagnostics = rule_set_diagnostics(specs)
    # then
    assert diagnostics == []


def test_unknown_template_key_names_the_known_ones():
    # when
    with pytest.raises(KeyError) as caught:
        rule_template_get("nope")
    # then
    assert "No rule template 'nope'; known: cap-any-partner-30" in str(caught.value)
