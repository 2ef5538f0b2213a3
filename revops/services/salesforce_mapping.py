"""Field mappings of the Salesforce sync: resolved rules per object and segment, the describe
check against Salesforce, and the standard mappings (the rules themselves:
`revops.salesforce_schema`)."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction

from revops.models.salesforce import FieldMapping, SalesforceConnection, SyncObject, SyncSegment
from revops.salesforce_schema import (
    APP_DEFAULT_MAPPINGS,
    DEFAULT_MAPPINGS,
    REQUIRED,
    TARGETS,
    Rule,
    provider_missing,
)


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
        where = f" (segment {row.segment.name})" if row.segment is not None else ""
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
def mapping_install_defaults(
    *, connection: SalesforceConnection, sobjects: Iterable[str] | None = None
) -> int:
    """Add the standard-field mappings the connection does not have yet; how many were added.

    `sobjects` None: the core objects (accounts, partners, opportunities, stage history). The
    objects other apps store (Lead, Campaign, CampaignMember) are installed when named, and
    refused when no installed app stores them.
    """
    wanted = set(sobjects) if sobjects is not None else None
    for sobject in sorted(wanted or ()):
        if message := provider_missing(sobject):
            raise ValidationError({"sobject": message})
    have = set(connection.mappings.filter(segment__isnull=True).values_list("sobject", "target_field"))
    standard = (
        DEFAULT_MAPPINGS
        if wanted is None
        else tuple(m for m in (*DEFAULT_MAPPINGS, *APP_DEFAULT_MAPPINGS) if m[0] in wanted)
    )
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
        for sobject, field, target, transform, value_map in standard
        if (sobject, target) not in have
    ]
    FieldMapping.objects.bulk_create(rows)
    return len(rows)
