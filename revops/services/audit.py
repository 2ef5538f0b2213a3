"""Audit trail: services call `audit_record` in the same transaction as the change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django.db import models

from revops.models import AuditEvent, Organization


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def snapshot(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    """The named fields of a row as JSON-safe values (FKs by id)."""
    out = {}
    for name in fields:
        # Snapshots name concrete columns, never reverse relations or generic keys.
        field = cast("models.Field[Any, Any]", instance._meta.get_field(name))
        out[name] = _jsonable(getattr(instance, field.attname))
    return out


def audit_record(
    *,
    organization: Organization,
    actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
) -> AuditEvent:
    """Write one AuditEvent. Call inside the transaction of the change it describes."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    return AuditEvent.objects.create(
        organization=organization,
        actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        before=_jsonable(before or {}),
        after=_jsonable(after or {}),
        reason=reason,
    )


@dataclass(frozen=True)
class AuditChange:
    """One object's change in a batch: the object and its state before and after."""

    obj: models.Model
    before: dict | None = None
    after: dict | None = None


def audit_record_many(
    *, organization: Organization, actor, action: str, changes: Iterable[AuditChange], reason: str = ""
) -> int:
    """Write one AuditEvent per changed object in one INSERT (a service acting on many rows).

    Call inside the transaction of the changes; returns how many rows were written.
    """
    who = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    events = AuditEvent.objects.bulk_create(
        AuditEvent(
            organization=organization,
            actor=who,
            action=action,
            object_type=change.obj._meta.label_lower,
            object_id=str(change.obj.pk),
            before=_jsonable(change.before or {}),
            after=_jsonable(change.after or {}),
            reason=reason,
        )
        for change in changes
    )
    return len(events)
