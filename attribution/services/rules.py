"""Split rules: create and change them (every change is a new, audited version) and import
rule sets by name. A save that changes the rules asks the ledger to follow (one alignment job,
queued on commit), so no interface has to remember to."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

import pydantic
from django.core.exceptions import ValidationError
from django.db import transaction

from attribution.engine import Diagnostic, RuleSpec, rule_set_diagnostics
from attribution.models import AttributionRule, AttributionRuleVersion
from attribution.rule_schema import RuleDefinition, validation_message
from attribution.selectors.rule_sets import active_rule_specs, rule_spec_from_definition
from attribution.services.alignment import ledger_alignment_for_rules
from revops.models import JobRun, Organization
from revops.services.audit import audit_record
from revops.versions import check_version

RULE_REASON_REQUIRED = "Say why the rule changes."
IMPORT_REASON_REQUIRED = "Say why the rules change."
RULE_NAMES_REPEAT = "Rule {number}: the name {name!r} is used by an earlier rule in the file."


class RuleSaved(NamedTuple):
    """A saved rule, the engine's diagnostics for it, and the ledger alignment it queued
    (None when nothing changed)."""

    rule: AttributionRule
    diagnostics: list[Diagnostic]
    job: JobRun | None


def stored_definition(definition: RuleDefinition | dict, *, name: str, priority: int) -> dict:
    """The one stored form of a rule definition (`RuleDefinition.to_stored`), from a typed
    definition or from JSON in any older stored shape; invalid JSON is a ValidationError."""
    if isinstance(definition, RuleDefinition):
        return definition.to_stored()
    try:
        return RuleDefinition.from_stored(definition, name=name, priority=priority).to_stored()
    except pydantic.ValidationError as exc:
        raise ValidationError({"definition": validation_message(exc)}) from exc


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


def _create(
    *,
    organization: Organization,
    actor,
    name: str,
    definition: RuleDefinition | dict,
    priority: int,
    description: str,
    diagnose: bool = True,
) -> tuple[AttributionRule, list[Diagnostic]]:
    rule = AttributionRule(organization=organization, name=name, priority=priority, description=description)
    rule.full_clean()
    rule.save()
    stored = stored_definition(definition, name=name, priority=priority)
    return _version_add(actor=actor, rule=rule, definition=stored, reason="", before=None, diagnose=diagnose)


def _update(
    *,
    organization: Organization,
    actor,
    rule: AttributionRule,
    reason: str,
    definition: RuleDefinition | dict | None,
    priority: int | None,
    is_active: bool | None,
    diagnose: bool = True,
    expected_version: str | None = None,
) -> tuple[AttributionRule, list[Diagnostic]] | None:
    """Add a version when the definition, priority or active flag differ; None when all match.
    A rule saved since `expected_version` is refused (StaleRecordError), nothing written."""
    if not reason.strip():
        raise ValidationError({"reason": RULE_REASON_REQUIRED})
    rule = AttributionRule.objects.select_for_update().get(pk=rule.pk, organization=organization)
    check_version(current=rule, expected_version=expected_version)
    current = rule.current_version
    priority = priority if priority is not None else rule.priority
    is_active = is_active if is_active is not None else rule.is_active
    stored = stored_definition(
        definition if definition is not None else current.definition, name=rule.name, priority=priority
    )
    if (
        current is not None
        and stored_definition(current.definition, name=rule.name, priority=priority) == stored
        and (priority, is_active) == (rule.priority, rule.is_active)
    ):
        return None
    before = _snapshot(rule, current)
    rule.priority, rule.is_active = priority, is_active
    return _version_add(
        actor=actor, rule=rule, definition=stored, reason=reason, before=before, diagnose=diagnose
    )


def _version_add(
    *,
    actor,
    rule: AttributionRule,
    definition: dict,
    reason: str,
    before: dict | None,
    diagnose: bool = True,
) -> tuple[AttributionRule, list[Diagnostic]]:
    """Write the rule's next version. `diagnose=False` skips the rule-set diagnostics (which read
    every active rule): an import diagnoses the whole set once, keeping its cost linear."""
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
        created_by=actor,
        change_reason=reason,
    )
    rule.current_version = version
    rule.full_clean()
    rule.save(update_fields=["current_version", "priority", "is_active", "updated_at"])
    audit_record(
        organization=rule.organization,
        actor=actor,
        action="attribution_rule.create" if before is None else "attribution_rule.update",
        obj=rule,
        before=before or {},
        after=_snapshot(rule, version),
        reason=reason,
    )
    diagnostics = _diagnose(rule.organization, spec) if rule.is_active and diagnose else []
    return rule, diagnostics


@transaction.atomic
def rule_create(
    *,
    organization: Organization,
    actor,
    name: str,
    definition: RuleDefinition | dict,
    priority: int = 100,
    description: str = "",
) -> RuleSaved:
    """Create a rule and its version 1, and queue the ledger alignment; diagnostics name
    conflicting or shadowed rules."""
    rule, diagnostics = _create(
        organization=organization,
        actor=actor,
        name=name,
        definition=definition,
        priority=priority,
        description=description,
    )
    return RuleSaved(rule, diagnostics, ledger_alignment_for_rules(organization=organization, actor=actor))


@transaction.atomic
def rule_update(
    *,
    organization: Organization,
    actor,
    rule: AttributionRule,
    reason: str,
    definition: RuleDefinition | dict | None = None,
    priority: int | None = None,
    is_active: bool | None = None,
    expected_version: str | None = None,
) -> RuleSaved:
    """Change a rule: a new version is written (the old one stays, cited by ledger entries)
    and the ledger alignment queued. Saving what is already stored writes nothing.
    `expected_version` (revops.versions: the rule's version the edit started from) refuses a
    change made after someone else's save, writing no version, audit row or job."""
    updated = _update(
        organization=organization,
        actor=actor,
        rule=rule,
        reason=reason,
        definition=definition,
        priority=priority,
        is_active=is_active,
        expected_version=expected_version,
    )
    if updated is None:
        return RuleSaved(AttributionRule.objects.get(pk=rule.pk), [], None)
    rule, diagnostics = updated
    return RuleSaved(rule, diagnostics, ledger_alignment_for_rules(organization=organization, actor=actor))


@dataclass
class RuleSetImportResult:
    """What importing a rule set did (or, on a dry run, would do), by rule name."""

    dry_run: bool
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    recompute_job: int | None = None  # the ledger alignment queued when rules changed


@transaction.atomic
def rule_set_import(
    *,
    organization: Organization,
    actor,
    rules: list[RuleDefinition],
    reason: str,
    dry_run: bool = False,
) -> RuleSetImportResult:
    """Create the rules the organization lacks and version the ones that differ, by name.

    A rule whose stored definition, priority and active flag already match is left alone, so
    importing an exported file writes nothing. One ledger alignment is queued when anything
    changed. On a dry run every write is rolled back and the result says what would happen.
    """
    if not reason.strip():
        raise ValidationError({"reason": IMPORT_REASON_REQUIRED})
    seen: set[str] = set()
    for number, definition in enumerate(rules, start=1):
        if definition.name in seen:
            raise ValidationError({"content": RULE_NAMES_REPEAT.format(number=number, name=definition.name)})
        seen.add(definition.name)
    existing = {
        r.name: r
        for r in AttributionRule.objects.filter(organization=organization).select_related("current_version")
    }
    result = RuleSetImportResult(dry_run=dry_run)
    for definition in rules:
        rule = existing.get(definition.name)
        if rule is None:
            _create(
                organization=organization,
                actor=actor,
                name=definition.name,
                definition=definition,
                priority=definition.priority,
                description=definition.description,
                diagnose=False,
            )
            result.created.append(definition.name)
            continue
        updated = _update(
            organization=organization,
            actor=actor,
            rule=rule,
            reason=reason,
            definition=definition,
            priority=definition.priority,
            is_active=True,
            diagnose=False,
        )
        (result.unchanged if updated is None else result.updated).append(definition.name)
    specs, _ = active_rule_specs(organization=organization)
    result.diagnostics = rule_set_diagnostics(specs)
    if dry_run:
        transaction.set_rollback(True)
    elif result.created or result.updated:
        result.recompute_job = ledger_alignment_for_rules(organization=organization, actor=actor).pk
    return result
