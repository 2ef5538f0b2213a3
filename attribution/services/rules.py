"""Split rules: create and change them (every change is a new, audited version)."""

from __future__ import annotations

from typing import Any

import pydantic
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from attribution.engine import Diagnostic, RuleSpec, rule_set_diagnostics
from attribution.models import AttributionRule, AttributionRuleVersion
from attribution.permissions import AttributionCap
from attribution.rule_schema import RuleDefinition, validation_message
from revops.models import Membership, Organization
from revops.permissions import has_cap
from revops.services.audit import audit_record

RULE_REASON_REQUIRED = "Say why the rule changes."

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
        parsed = RuleDefinition.model_validate({**definition, "name": name, "priority": priority})
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


def _require_rule_editor(membership: Membership) -> None:
    if not has_cap(membership, AttributionCap.RULE_EDIT):
        raise PermissionDenied


def _diagnose(organization: Organization, candidate: RuleSpec) -> list[Diagnostic]:
    specs, _ = active_rule_specs(organization=organization)
    others = [s for s in specs if s.id != candidate.id]
    return [d for d in rule_set_diagnostics([*others, candidate]) if candidate.id in d.rule_ids]


def _snapshot(rule: AttributionRule, version: AttributionRuleVersion | None) -> dict[str, Any]:
    return {
        "name": rule.name,
        "priority": rule.priority,
        "is_active": rule.is_active,
        "version": version.number if version else None,
        "definition": version.definition if version else None,
    }


@transaction.atomic
def rule_create(
    *, membership: Membership, name: str, definition: dict, priority: int = 100, description: str = ""
) -> tuple[AttributionRule, list[Diagnostic]]:
    """Create a rule and its version 1; returns the engine's diagnostics (conflicts, shadowing)."""
    _require_rule_editor(membership)
    organization = membership.organization
    rule = AttributionRule(organization=organization, name=name, priority=priority, description=description)
    rule.full_clean()
    rule.save()
    return _version_add(membership=membership, rule=rule, definition=definition, reason="", before=None)


@transaction.atomic
def rule_update(
    *,
    membership: Membership,
    rule: AttributionRule,
    reason: str,
    definition: dict | None = None,
    priority: int | None = None,
    is_active: bool | None = None,
) -> tuple[AttributionRule, list[Diagnostic]]:
    """Change a rule: a new version is written (the old one stays, cited by ledger entries)."""
    _require_rule_editor(membership)
    if not reason.strip():
        raise ValidationError({"reason": RULE_REASON_REQUIRED})
    rule = AttributionRule.objects.select_for_update().get(pk=rule.pk, organization=membership.organization)
    before = _snapshot(rule, rule.current_version)
    rule.priority = priority if priority is not None else rule.priority
    rule.is_active = is_active if is_active is not None else rule.is_active
    definition = definition if definition is not None else rule.current_version.definition
    return _version_add(membership=membership, rule=rule, definition=definition, reason=reason, before=before)


def _version_add(
    *, membership: Membership, rule: AttributionRule, definition: dict, reason: str, before: dict | None
) -> tuple[AttributionRule, list[Diagnostic]]:
    last = rule.versions.order_by("-number").values_list("number", flat=True).first() or 0
    spec = rule_spec_from_definition(
        rule_id=rule.pk, version=last + 1, name=rule.name, priority=rule.priority, definition=definition
    )
    version = AttributionRuleVersion.objects.create(
        organization=rule.organization,
        rule=rule,
        number=last + 1,
        definition=definition,
        is_active=rule.is_active,
        priority=rule.priority,
        created_by=membership.user,
        change_reason=reason,
    )
    rule.current_version = version
    rule.full_clean()
    rule.save(update_fields=["current_version", "priority", "is_active", "updated_at"])
    audit_record(
        organization=rule.organization,
        actor=membership.user,
        action="attribution_rule.create" if before is None else "attribution_rule.update",
        obj=rule,
        before=before or {},
        after=_snapshot(rule, version),
        reason=reason,
    )
    diagnostics = _diagnose(rule.organization, spec) if rule.is_active else []
    return rule, diagnostics
