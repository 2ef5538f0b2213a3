"""Segment filters rendered to SOQL: built from a form's fields, never typed as SOQL.

Field names must be Salesforce API names (letters, digits, underscores; one `.` for a
relationship such as `Owner.UserRoleId`); operators come from a fixed list; values are quoted
as SOQL string literals (backslash and quote escaped) unless they are JSON numbers, booleans
or null. A segment's WHERE also excludes every earlier segment of the same object, so each
record belongs to exactly one segment.
"""

from __future__ import annotations

from collections.abc import Sequence

from revops.models.salesforce import SyncSegment
from revops.salesforce_schema import field_name, segment_conditions_check, soql_literal


def segment_filter(segment: SyncSegment) -> str:
    """The segment's own condition as SOQL (`` when it takes every record)."""
    parts = []
    if segment.record_type_id:
        parts.append(f"RecordTypeId = {soql_literal(segment.record_type_id)}")
    if segment.region_field:
        parts.append(f"{field_name(segment.region_field, 'region field')} = {soql_literal(segment.region)}")
    if segment.owner_role_id:
        parts.append(f"Owner.UserRoleId = {soql_literal(segment.owner_role_id)}")
    segment_conditions_check(segment.conditions)
    for cond in segment.conditions:
        field, operator, value = cond["field"], cond["operator"], cond.get("value")
        if operator in ("IN", "NOT IN"):
            rendered = f"({', '.join(soql_literal(v) for v in value)})"
        else:
            rendered = soql_literal(value)
        parts.append(f"{field} {operator} {rendered}")
    return " AND ".join(parts)


def segment_where(segment: SyncSegment | None, earlier: Sequence[SyncSegment]) -> str:
    """The segment's condition AND NOT each earlier segment's (first match wins)."""
    parts = []
    if segment is not None:
        own = segment_filter(segment)
        if own:
            parts.append(f"({own})")
    for previous in earlier:
        theirs = segment_filter(previous)
        if theirs:
            parts.append(f"(NOT ({theirs}))")
        else:
            return "Id = null"  # an earlier segment takes every record: nothing is left for this one
    return " AND ".join(parts)
