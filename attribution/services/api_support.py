"""Writes the integration API needs on top of the attribution services.

Rule definitions typed against `attribution.rule_schema.RuleDefinition` are turned into the
stored shape that `rule_create` / `rule_update` understand; rule-set files import by rule name;
revenue events arrive as a JSON list (all-or-nothing, idempotent by external id); partner links
are removed with a reason. Every write that changes splits is posted to the ledger in the
same transaction, so the ledger never lags behind the splits it was told about.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from attribution.engine import Diagnostic, quantize_percent, rule_set_diagnostics
from attribution.locks import lock_account, lock_opportunity
from attribution.models import AccountPartner, AttributionRule, OpportunityPartner, RevenueEvent
from attribution.permissions import AttributionCap
from attribution.rule_schema import RuleDefinition
from attribution.services.links import (
    LINK_FIELDS,
    SPLIT_REASON_REQUIRED,
    account_partner_set,
    opportunity_partner_set,
)
from attribution.services.recompute import RecomputeResult, attribution_recompute
from attribution.services.rules import active_rule_specs, rule_create, rule_update
from revops.models import Membership
from revops.permissions import has_cap
from revops.services.audit import audit_record, snapshot

RULE_NAMES_REPEAT = "Rule {number}: the name {name!r} is used by an earlier rule in the file."
IMPORT_REASON_REQUIRED = "Say why the rules change."


def rule_definition_to_stored(definition: RuleDefinition) -> dict:
    """The stored shape of a validated rule: scope, conditions, action (name and priority live
    on the rule), written the same way every time so unchanged rules compare equal."""
    action: dict = {"kind": definition.action.kind.value}
    if definition.action.percent is not None:
        action["percent"] = str(quantize_percent(definition.action.percent))
    stored: dict = {
        "scope": definition.scope.value,
        "conditions": definition.conditions.model_dump(mode="json", exclude_defaults=True),
        "action": action,
    }
    if definition.key:
        stored["key"] = definition.key
    if definition.source != "manual":
        stored["source"] = definition.source
    return stored


def rule_definition_of(rule: AttributionRule) -> RuleDefinition:
    """A stored rule (its current version) as a RuleDefinition, for export and display."""
    stored = rule.current_version.definition if rule.current_version else {}
    return RuleDefinition.model_validate(
        {**stored, "name": rule.name, "description": rule.description, "priority": rule.priority}
    )


@dataclass
class RuleSetImportResult:
    """What importing a rule set did (or, on a dry run, would do), by rule name."""

    dry_run: bool
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    recompute_job: int | None = None  # set by the caller that queues the ledger recompute


@transaction.atomic
def rule_set_import(
    *, membership: Membership, rules: list[RuleDefinition], reason: str, dry_run: bool = False
) -> RuleSetImportResult:
    """Create the rules the organization lacks and version the ones that differ, by name.

    A rule whose definition, priority and active flag already match is left alone, so
    importing the same file twice writes nothing the second time. On a dry run every write
    is rolled back and the result says what would have happened, diagnostics included.
    """
    if not has_cap(membership, AttributionCap.RULE_EDIT):
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError({"reason": IMPORT_REASON_REQUIRED})
    seen: set[str] = set()
    for number, definition in enumerate(rules, start=1):
        if definition.name in seen:
            raise ValidationError({"content": RULE_NAMES_REPEAT.format(number=number, name=definition.name)})
        seen.add(definition.name)
    existing = {
        r.name: r
        for r in AttributionRule.objects.filter(organization=membership.organization).select_related(
            "current_version"
        )
    }
    result = RuleSetImportResult(dry_run=dry_run)
    for definition in rules:
        stored = rule_definition_to_stored(definition)
        rule = existing.get(definition.name)
        if rule is None:
            rule_create(
                membership=membership,
                name=definition.name,
                definition=stored,
                priority=definition.priority,
                description=definition.description,
            )
            result.created.append(definition.name)
        elif (
            rule.current_version is not None
            and rule.current_version.definition == stored
            and rule.priority == definition.priority
            and rule.is_active
        ):
            result.unchanged.append(definition.name)
        else:
            rule_update(
                membership=membership,
                rule=rule,
                reason=reason,
                definition=stored,
                priority=definition.priority,
                is_active=True,
            )
            result.updated.append(definition.name)
    specs, _ = active_rule_specs(organization=membership.organization)
    result.diagnostics = rule_set_diagnostics(specs)
    if dry_run:
        transaction.set_rollback(True)
    return result


@dataclass
class RevenueCreateResult:
    """New events, the external ids that already existed, and what posting them did."""

    created: list[RevenueEvent] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)
    posting: RecomputeResult | None = None


@transaction.atomic
def revenue_events_create(
    *, membership: Membership, items: list[dict], actor=None, post: bool = True
) -> RevenueCreateResult:
    """Create revenue events from validated items; external ids already present are skipped.

    Items carry `external_id`, `date`, `amount` and an `opportunity` and/or `account` the
    member may see (the caller validates shape and scope, all items at once). With `post`, the
    new events are attributed in the same transaction, as a CSV import does.
    """
    if not has_cap(membership, AttributionCap.EDIT):
        raise PermissionDenied
    organization = membership.organization
    wanted = [item["external_id"] for item in items]
    existing = set(
        RevenueEvent.objects.filter(organization=organization, external_id__in=wanted).values_list(
            "external_id", flat=True
        )
    )
    result = RevenueCreateResult(existing=[ext for ext in wanted if ext in existing])
    for item in items:
        if item["external_id"] in existing:
            continue
        opportunity = item.get("opportunity")
        event = RevenueEvent(
            organization=organization,
            opportunity=opportunity,
            account=item.get("account") or (opportunity.account if opportunity else None),
            date=item["date"],
            amount=item["amount"],
            source=RevenueEvent.Source.API,
            external_id=item["external_id"],
        )
        event.full_clean()
        event.save()
        result.created.append(event)
    if result.created:
        audit_record(
            organization=organization,
            actor=actor,
            action="revenue_event.bulk_create",
            object_type="attribution.revenueevent",
            after={"external_ids": [e.external_id for e in result.created]},
        )
        if post:
            result.posting = attribution_recompute(
                organization=organization, actor=actor, event_ids=[e.pk for e in result.created]
            )
    return result


def _remove_link(*, membership: Membership, link, action: str, reason: str) -> None:
    before = snapshot(link, LINK_FIELDS)
    link_pk = link.pk
    link.delete()
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action=action,
        object_type=link._meta.label_lower,
        object_id=str(link_pk),
        before=before,
        reason=reason,
    )


@transaction.atomic
def opportunity_partner_remove(*, membership: Membership, link: OpportunityPartner, reason: str) -> None:
    """Take a partner off a deal (audited, with a reason); its ledger share is reversed."""
    if not has_cap(membership, AttributionCap.EDIT):
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError({"reason": SPLIT_REASON_REQUIRED})
    lock_opportunity(opportunity_id=link.opportunity_id)
    opportunity_id = link.opportunity_id
    _remove_link(membership=membership, link=link, action="opportunity_partner.remove", reason=reason)
    attribution_post_changes(membership=membership, opportunity_ids=[opportunity_id])


@transaction.atomic
def account_partner_remove(*, membership: Membership, link: AccountPartner, reason: str) -> None:
    """Take a partner's share off an account (audited, with a reason); its ledger share is reversed."""
    if not has_cap(membership, AttributionCap.EDIT):
        raise PermissionDenied
    if not reason.strip():
        raise ValidationError({"reason": SPLIT_REASON_REQUIRED})
    lock_account(account_id=link.account_id)
    account_id = link.account_id
    _remove_link(membership=membership, link=link, action="account_partner.remove", reason=reason)
    attribution_post_changes(membership=membership, account_ids=[account_id])


def attribution_post_changes(
    *,
    membership: Membership,
    opportunity_ids: list[int] | None = None,
    account_ids: list[int] | None = None,
) -> RecomputeResult:
    """Post the ledger difference for the revenue of the given deals or accounts."""
    return attribution_recompute(
        organization=membership.organization,
        actor=membership.user,
        opportunity_ids=opportunity_ids,
        account_ids=account_ids,
    )


@transaction.atomic
def opportunity_partner_change(*, membership: Membership, **fields: Any) -> OpportunityPartner:
    """Set a partner's split on a deal (opportunity_partner_set) and post the difference."""
    link = opportunity_partner_set(membership=membership, **fields)
    attribution_post_changes(membership=membership, opportunity_ids=[link.opportunity_id])
    return link


@transaction.atomic
def account_partner_change(*, membership: Membership, **fields: Any) -> AccountPartner:
    """Set a partner's share of an account (account_partner_set) and post the difference."""
    link = account_partner_set(membership=membership, **fields)
    attribution_post_changes(membership=membership, account_ids=[link.account_id])
    return link
