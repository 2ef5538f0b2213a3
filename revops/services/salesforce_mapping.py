"""Field mappings of the Salesforce sync: what each object may map, the transforms, checks.

Targets are the revops fields a mapping may write, per Salesforce object, with their kind:
`text`, `choice` (needs a value map onto the field's choices unless the values already are
ours), `date`, `datetime`, `money`, or a reference (`account`, `opportunity`, `owner`) that
is resolved by Salesforce id (`AccountId` → the account whose external id it is; `OwnerId` →
the member whose e-mail the Salesforce user has). Every check names the mapping it refuses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from revops.models.crm import Partner, Region, Segment, Stage
from revops.models.salesforce import (
    API_NAME,
    FieldMapping,
    SalesforceConnection,
    SyncObject,
    SyncSegment,
    Transform,
)

# kind, and for choices the allowed values
TARGETS: dict[str, dict[str, tuple[str, frozenset[str]]]] = {
    SyncObject.ACCOUNT: {
        "name": ("text", frozenset()),
        "domain": ("text", frozenset()),
        "industry": ("text", frozenset()),
        "segment": ("choice", frozenset(Segment.values)),
        "region": ("choice", frozenset(Region.values)),
        "owner": ("owner", frozenset()),
    },
    SyncObject.PARTNER: {
        "name": ("text", frozenset()),
        "domain": ("text", frozenset()),
        "tier": ("choice", frozenset(Partner.Tier.values)),
        "status": ("choice", frozenset(Partner.Status.values)),
        "lifecycle_stage": ("choice", frozenset(Partner.Lifecycle.values)),
    },
    SyncObject.OPPORTUNITY: {
        "name": ("text", frozenset()),
        "account": ("account", frozenset()),
        "owner": ("owner", frozenset()),
        "stage": ("choice", frozenset(Stage.values)),
        "amount": ("money", frozenset()),
        "currency": ("text", frozenset()),
        "created_date": ("date", frozenset()),
        "expected_close_date": ("date", frozenset()),
        "close_date": ("date", frozenset()),
        "lead_source": ("text", frozenset()),
    },
    SyncObject.OPPORTUNITY_HISTORY: {
        "opportunity": ("opportunity", frozenset()),
        "to_stage": ("choice", frozenset(Stage.values)),
        "amount": ("money", frozenset()),
        "changed_at": ("datetime", frozenset()),
    },
}
REQUIRED: dict[str, frozenset[str]] = {
    SyncObject.ACCOUNT: frozenset({"name"}),
    SyncObject.PARTNER: frozenset({"name"}),
    SyncObject.OPPORTUNITY: frozenset({"name", "account", "stage", "amount", "created_date"}),
    SyncObject.OPPORTUNITY_HISTORY: frozenset({"opportunity", "to_stage", "changed_at"}),
}
TEXT_LIMITS = {"name": 200, "domain": 200, "industry": 100, "currency": 3, "lead_source": 60}

SALESFORCE_STAGES = {
    "Prospecting": Stage.PROSPECTING,
    "Qualification": Stage.QUALIFICATION,
    "Needs Analysis": Stage.QUALIFICATION,
    "Value Proposition": Stage.PROPOSAL,
    "Proposal/Price Quote": Stage.PROPOSAL,
    "Negotiation/Review": Stage.NEGOTIATION,
    "Closed Won": Stage.CLOSED_WON,
    "Closed Lost": Stage.CLOSED_LOST,
}
# (object, salesforce field, target, transform, value map): Salesforce's standard fields.
DEFAULT_MAPPINGS: tuple[tuple[str, str, str, str, dict], ...] = (
    (SyncObject.ACCOUNT, "Name", "name", Transform.COPY, {}),
    (SyncObject.ACCOUNT, "Website", "domain", Transform.COPY, {}),
    (SyncObject.ACCOUNT, "Industry", "industry", Transform.COPY, {}),
    (SyncObject.ACCOUNT, "OwnerId", "owner", Transform.COPY, {}),
    (SyncObject.PARTNER, "Name", "name", Transform.COPY, {}),
    (SyncObject.OPPORTUNITY, "Name", "name", Transform.COPY, {}),
    (SyncObject.OPPORTUNITY, "AccountId", "account", Transform.COPY, {}),
    (SyncObject.OPPORTUNITY, "OwnerId", "owner", Transform.COPY, {}),
    (SyncObject.OPPORTUNITY, "StageName", "stage", Transform.VALUE_MAP, SALESFORCE_STAGES),
    (SyncObject.OPPORTUNITY, "Amount", "amount", Transform.NUMBER, {}),
    (SyncObject.OPPORTUNITY, "CreatedDate", "created_date", Transform.DATE, {}),
    (SyncObject.OPPORTUNITY, "CloseDate", "expected_close_date", Transform.DATE, {}),
    (SyncObject.OPPORTUNITY, "LeadSource", "lead_source", Transform.COPY, {}),
    (SyncObject.OPPORTUNITY_HISTORY, "OpportunityId", "opportunity", Transform.COPY, {}),
    (SyncObject.OPPORTUNITY_HISTORY, "StageName", "to_stage", Transform.VALUE_MAP, SALESFORCE_STAGES),
    (SyncObject.OPPORTUNITY_HISTORY, "Amount", "amount", Transform.NUMBER, {}),
    (SyncObject.OPPORTUNITY_HISTORY, "CreatedDate", "changed_at", Transform.DATE, {}),
)


class TransformError(ValueError):
    """A record's value the mapping cannot turn into ours (names the field and the value)."""


def mapping_row_check(
    *, sobject: str, salesforce_field: str, target_field: str, transform: str, value_map: Any, constant: str
) -> None:
    """Refuse a mapping row that cannot work, naming it (no Salesforce call: see `mapping_describe_check`)."""
    label = f"{sobject} {salesforce_field or 'constant'} → {target_field}"
    targets = TARGETS.get(sobject)
    if targets is None:
        raise ValidationError({"sobject": f"{label}: unknown object {sobject!r}."})
    if target_field not in targets:
        raise ValidationError(
            {"target_field": f"{label}: unknown target field; use one of {', '.join(sorted(targets))}."}
        )
    kind, choices = targets[target_field]
    if transform == Transform.CONSTANT:
        if not constant:
            raise ValidationError({"constant": f"{label}: a constant mapping needs its value."})
        if kind == "choice" and constant not in choices:
            raise ValidationError(
                {"constant": f"{label}: {constant!r} is not one of {', '.join(sorted(choices))}."}
            )
    elif not salesforce_field:
        raise ValidationError({"salesforce_field": f"{label}: name the Salesforce field."})
    if salesforce_field and not API_NAME.match(salesforce_field):
        raise ValidationError(
            {"salesforce_field": f"{label}: {salesforce_field!r} is not a Salesforce field name."}
        )
    if transform == Transform.VALUE_MAP:
        if not isinstance(value_map, dict) or not value_map:
            raise ValidationError(
                {"value_map": f"{label}: give a JSON object of Salesforce value → revops value."}
            )
        if kind == "choice":
            bad = sorted(str(v) for v in value_map.values() if v not in choices)
            if bad:
                raise ValidationError(
                    {"value_map": f"{label}: {', '.join(bad)} not in {', '.join(sorted(choices))}."}
                )
    if transform == Transform.DATE and kind not in ("date", "datetime"):
        raise ValidationError({"transform": f"{label}: {target_field} is not a date."})
    if transform == Transform.NUMBER and kind != "money":
        raise ValidationError({"transform": f"{label}: {target_field} is not a number."})
    if kind in ("account", "opportunity", "owner") and transform != Transform.COPY:
        raise ValidationError({"transform": f"{label}: a reference is copied (a Salesforce id)."})


@dataclass(frozen=True)
class Rule:
    """One mapping, resolved for a sync: a plain value object the inner loop can use."""

    salesforce_field: str
    target_field: str
    kind: str
    transform: str
    value_map: dict
    constant: str
    conflict_policy: str

    def apply(self, record: dict) -> Any:
        if self.transform == Transform.CONSTANT:
            return self.constant
        raw = record.get(self.salesforce_field)
        if self.transform == Transform.VALUE_MAP:
            if raw is None or raw == "":
                return ""
            try:
                return self.value_map[raw]
            except (KeyError, TypeError):
                raise TransformError(f"{self.salesforce_field}: no mapping for {raw!r}") from None
        if self.transform == Transform.DATE:
            return parse_date(raw, self.salesforce_field, want_datetime=self.kind == "datetime")
        if self.transform == Transform.NUMBER:
            return parse_money(raw, self.salesforce_field)
        if self.kind in ("account", "opportunity", "owner"):
            return raw or ""
        text = "" if raw is None else str(raw).strip()
        if self.kind == "choice" and text and text not in TARGETS_CHOICES[self.target_field]:
            raise TransformError(f"{self.salesforce_field}: {text!r} is not a revops value; add a value map")
        limit = TEXT_LIMITS.get(self.target_field)
        if limit and len(text) > limit:
            raise TransformError(f"{self.salesforce_field}: longer than {limit} characters")
        return text


TARGETS_CHOICES = {t: c for targets in TARGETS.values() for t, (_k, c) in targets.items() if c}


def parse_date(raw: Any, field: str, *, want_datetime: bool = False) -> dt.date | dt.datetime | None:
    if raw is None or raw == "":
        return None
    text = str(raw)
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC) if want_datetime else day
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise TransformError(f"{field}: {text[:40]!r} is not a date") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC) if want_datetime else moment.astimezone(dt.UTC).date()


def parse_money(raw: Any, field: str) -> Decimal | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        raise TransformError(f"{field}: {raw!r} is not a number")
    try:
        value = Decimal(str(raw)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise TransformError(f"{field}: {str(raw)[:40]!r} is not a number") from None
    if not value.is_finite() or abs(value) >= Decimal("1e16"):
        raise TransformError(f"{field}: {raw!r} is out of range")
    return value


def mapping_rules(
    *,
    connection: SalesforceConnection,
    sobject: str,
    segment: SyncSegment | None,
    rows: Iterable[FieldMapping],
) -> list[Rule]:
    """The connection's mappings of `sobject`, with the segment's overrides in their place."""
    by_target: dict[str, FieldMapping] = {}
    for row in rows:
        if row.sobject == sobject and row.segment_id is None:
            by_target[row.target_field] = row
    if segment is not None:
        for row in rows:
            if row.sobject == sobject and row.segment_id == segment.pk:
                by_target[row.target_field] = row
    return [
        Rule(
            salesforce_field=row.salesforce_field,
            target_field=row.target_field,
            kind=TARGETS[sobject][row.target_field][0],
            transform=row.transform,
            value_map=row.value_map if isinstance(row.value_map, dict) else {},
            constant=row.constant,
            conflict_policy=row.conflict_policy or connection.conflict_policy,
        )
        for row in by_target.values()
    ]


def mapping_missing_required(*, sobject: str, rules: Iterable[Rule]) -> list[str]:
    present = {r.target_field for r in rules}
    return sorted(REQUIRED[sobject] - present)


def mapping_describe_check(*, connection: SalesforceConnection, describe: dict[str, set[str]]) -> list[str]:
    """Problems of the connection's mappings against Salesforce's describe (object → field names)."""
    problems = []
    for row in connection.mappings.select_related("segment").order_by(
        "sobject", "segment_id", "target_field"
    ):
        sobject = connection.partner_object if row.sobject == SyncObject.PARTNER else row.sobject
        where = f" (segment {row.segment.name})" if row.segment_id else ""
        if sobject not in describe:
            problems.append(f"{row}{where}: Salesforce has no object {sobject}.")
        elif row.salesforce_field and row.salesforce_field not in describe[sobject]:
            problems.append(f"{row}{where}: Salesforce's {sobject} has no field {row.salesforce_field}.")
    rows = list(connection.mappings.all())
    for sobject in SyncObject.values:
        missing = mapping_missing_required(
            sobject=sobject,
            rules=mapping_rules(connection=connection, sobject=sobject, segment=None, rows=rows),
        )
        if missing and any(r.sobject == sobject for r in rows):
            problems.append(f"{sobject}: no mapping for required field(s) {', '.join(missing)}.")
    return problems


@transaction.atomic
def mapping_install_defaults(*, connection: SalesforceConnection) -> int:
    """Add the standard-field mappings the connection does not have yet; how many were added."""
    have = set(connection.mappings.filter(segment__isnull=True).values_list("sobject", "target_field"))
    rows = [
        FieldMapping(
            organization_id=connection.organization_id,
            connection=connection,
            sobject=sobject,
            salesforce_field=field,
            target_field=target,
            transform=transform,
            value_map=value_map,
        )
        for sobject, field, target, transform, value_map in DEFAULT_MAPPINGS
        if (sobject, target) not in have
    ]
    FieldMapping.objects.bulk_create(rows)
    return len(rows)
