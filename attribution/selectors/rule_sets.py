"""Rule-set reads: the active rules as the engine sees them, a saved rule as a definition, and
a recorded rule set (version ids) rebuilt as engine specs."""

from __future__ import annotations

import pydantic
from django.core.exceptions import ValidationError

from attribution.engine import RuleSpec
from attribution.models import AttributionRule, AttributionRuleVersion
from attribution.rule_schema import RuleDefinition, validation_message
from revops.models import Organization

# The active rule set as `active_rule_specs` returns it: current versions as RuleSpecs, and
# (rule id, version number) → version id.
RuleSet = tuple[list[RuleSpec], dict[tuple[int, int], int]]


def rule_spec_from_definition(
    *, rule_id: int, version: int, name: str, priority: int, definition: dict
) -> RuleSpec:
    """Validate a stored definition with the rule schema and build the engine's RuleSpec.

    The definition holds scope, conditions and action; name and priority come from the rule.
    """
    try:
        parsed = RuleDefinition.from_stored(definition, name=name, priority=priority)
    except pydantic.ValidationError as exc:
        raise ValidationError({"definition": validation_message(exc)}) from exc
    return parsed.to_spec(rule_id=rule_id, version=version)


def _spec(version: AttributionRuleVersion, name: str) -> RuleSpec:
    return rule_spec_from_definition(
        rule_id=version.rule_id,
        version=version.number,
        name=name,
        priority=version.priority,
        definition=version.definition,
    )


def active_rule_specs(*, organization: Organization) -> RuleSet:
    """The current version of every active rule as RuleSpecs, and (rule, number) → version id."""
    rules = AttributionRule.objects.filter(
        organization=organization, is_active=True, current_version__isnull=False
    ).select_related("current_version")
    specs = [_spec(rule.current_version, rule.name) for rule in rules]
    return specs, {(r.pk, r.current_version.number): r.current_version_id for r in rules}


def rule_set_of_versions(*, organization: Organization, version_ids: list[int]) -> RuleSet:
    """A recorded rule set (the version ids that were active) as RuleSpecs, like
    `active_rule_specs`. Versions are never changed, so this is the rule set as it was."""
    versions = (
        AttributionRuleVersion.objects.filter(organization=organization, pk__in=version_ids)
        .select_related("rule")
        .order_by("pk")
    )
    specs = [_spec(v, v.rule.name) for v in versions]
    return specs, {(v.rule_id, v.number): v.pk for v in versions}


def rule_definition_of(rule: AttributionRule) -> RuleDefinition:
    """A saved rule (its current version) as a RuleDefinition: for the builder, exports and
    the API. A rule with no version yet reads as "allow"."""
    stored = rule.current_version.definition if rule.current_version else {"action": {"kind": "allow"}}
    return RuleDefinition.from_stored(
        stored, name=rule.name, priority=rule.priority, description=rule.description
    )
