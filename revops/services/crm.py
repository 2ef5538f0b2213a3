"""Writes to the core CRM rows: accounts, partners, catalog, opportunities (with stage history)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db import models, transaction
from django.utils import timezone

from revops.models import Opportunity, OpportunityStageChange, Organization, OrganizationOwnedModel
from revops.services.audit import audit_record, snapshot
from revops.versions import check_version

ModelT = TypeVar("ModelT", bound=models.Model)

# Apps whose figures follow these rows register a hook here from AppConfig.ready (core imports
# no app): called inside the transaction after `record_update` changed a row, with the row,
# the changed field names and the actor.
RECORD_CHANGE_HOOKS: list[Callable[[models.Model, list[str], Any], None]] = []


def model_update(*, instance: ModelT, data: dict[str, Any]) -> tuple[ModelT, list[str]]:
    """Set the fields in `data` that differ, validate, save only those; (instance, changed)."""
    changed = []
    for name, value in data.items():
        field = instance._meta.get_field(name)
        current = getattr(instance, field.name)
        if current != value:
            setattr(instance, field.name, value)
            changed.append(field.name)
    if changed:
        instance.full_clean()
        instance.save(update_fields=[*changed, "updated_at"])
    return instance, changed


@transaction.atomic
def record_create(*, model: type[models.Model], organization: Organization, actor, data: dict[str, Any]):
    """Create an organization-owned row (account, partner, product line, product); audited."""
    instance = model(organization=organization, **data)
    instance.full_clean()
    instance.save()
    audit_record(
        organization=organization,
        actor=actor,
        action=f"{model._meta.model_name}.create",
        obj=instance,
        after=snapshot(instance, list(data)),
    )
    return instance


@transaction.atomic
def record_update(
    *, instance: OrganizationOwnedModel, actor, data: dict[str, Any], expected_version: str | None = None
):
    """Update an organization-owned row; the audit row holds only the changed fields.

    With `expected_version` (the version the edit started from, see revops.versions) the row is
    locked and a write that started from an older version raises StaleRecordError, writing
    nothing: two people editing the same record never overwrite each other silently.
    """
    if expected_version is not None:
        locked = type(instance)._default_manager.select_for_update().get(pk=instance.pk)
        check_version(current=locked, expected_version=expected_version)
    before = snapshot(instance, list(data))
    instance, changed = model_update(instance=instance, data=data)
    if changed:
        audit_record(
            organization=instance.organization,
            actor=actor,
            action=f"{instance._meta.model_name}.update",
            obj=instance,
            before={k: before[k] for k in changed},
            after=snapshot(instance, changed),
        )
        for hook in RECORD_CHANGE_HOOKS:
            hook(instance, changed, actor)
    return instance


@transaction.atomic
def record_delete(*, instance: OrganizationOwnedModel, actor) -> None:
    """Delete a row that nothing references (PROTECT refuses otherwise); audited."""
    organization = instance.organization
    pk = instance.pk
    label = instance._meta.label_lower
    before = {"repr": str(instance)}
    instance.delete()
    audit_record(
        organization=organization,
        actor=actor,
        action=f"{instance._meta.model_name}.delete",
        object_type=label,
        object_id=str(pk),
        before=before,
    )


@transaction.atomic
def opportunity_create(*, organization: Organization, actor, data: dict[str, Any]) -> Opportunity:
    """Create an opportunity and its first stage-history row."""
    opportunity = record_create(model=Opportunity, organization=organization, actor=actor, data=data)
    OpportunityStageChange.objects.create(
        organization=organization,
        opportunity=opportunity,
        from_stage="",
        to_stage=opportunity.stage,
        amount=opportunity.amount,
        changed_at=timezone.now(),
        changed_by=actor if actor is not None and actor.is_authenticated else None,
    )
    return opportunity


@transaction.atomic
def opportunity_update(
    *, opportunity: Opportunity, actor, data: dict[str, Any], expected_version: str | None = None
) -> Opportunity:
    """Update an opportunity; a stage move appends to its stage history. `expected_version`
    refuses a stale write as in `record_update`."""
    opportunity = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    check_version(current=opportunity, expected_version=expected_version)
    old_stage = opportunity.stage
    opportunity = record_update(instance=opportunity, actor=actor, data=data)
    if opportunity.stage != old_stage:
        OpportunityStageChange.objects.create(
            organization=opportunity.organization,
            opportunity=opportunity,
            from_stage=old_stage,
            to_stage=opportunity.stage,
            amount=opportunity.amount,
            changed_at=timezone.now(),
            changed_by=actor if actor is not None and actor.is_authenticated else None,
        )
    return opportunity
