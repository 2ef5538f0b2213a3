"""Segment filters rendered to SOQL: built from a form's fields, never typed as SOQL.

Field names must be Salesforce API names (letters, digits, underscores; one `.` for a
relationship such as `Owner.UserRoleId`); operators come from a fixed list; values are quoted
as SOQL string literals (backslash and quote escaped) unless they are JSON numbers, booleans
or null. A segment's WHERE also excludes every earlier segment of the same object, so each
record belongs to exactly one segment.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

from revops.models.salesforce import SyncSegment

FIELD_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,79}(\.[A-Za-z][A-Za-z0-9_]{0,79})?$")
OPERATORS = ("=", "!=", "<", "<=", ">", ">=", "LIKE", "IN", "NOT IN")


def soql_literal(value: Any) -> str:
    """`value` as a SOQL literal: JSON numbers, true/false and null bare; every string quoted
    (so an id such as '012000000000001' stays a string)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        if not math.isfinite(value):
            raise ValidationError({"conditions": f"{value!r} is not a number SOQL takes."})
        return str(value)
    text = str(value)
    escaped = text.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("\r", "\\r")
    return f"'{escaped}'"


def soql_datetime(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _field(name: str, where: str) -> str:
    if not isinstance(name, str) or not FIELD_NAME.match(name):
        raise ValidationError({"conditions": f"{where}: {name!r} is not a Salesforce field name."})
    return name


def segment_conditions_check(conditions: Any) -> None:
    """Refuse conditions that are not a list of {field, operator, value}, naming the bad one."""
    if not isinstance(conditions, list):
        raise ValidationError({"conditions": "Give a JSON list of {field, operator, value}."})
    for number, cond in enumerate(conditions, start=1):
        where = f"condition {number}"
        if not isinstance(cond, dict) or set(cond) - {"field", "operator", "value"}:
            raise ValidationError({"conditions": f"{where}: use the keys field, operator and value."})
        _field(cond.get("field", ""), where)
        if cond.get("operator") not in OPERATORS:
            raise ValidationError({"conditions": f"{where}: operator must be one of {', '.join(OPERATORS)}."})
        value = cond.get("value")
        if cond["operator"] in ("IN", "NOT IN"):
            if not isinstance(value, list) or not value:
                raise ValidationError({"conditions": f"{where}: IN takes a non-empty list of values."})
        elif isinstance(value, list | dict):
            raise ValidationError({"conditions": f"{where}: the value must be one value."})


def segment_filter(segment: SyncSegment) -> str:
    """The segment's own condition as SOQL (`` when it takes every record)."""
    parts = []
    if segment.record_type_id:
        parts.append(f"RecordTypeId = {soql_literal(segment.record_type_id)}")
    if segment.region_field:
        parts.append(f"{_field(segment.region_field, 'region field')} = {soql_literal(segment.region)}")
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
