"""Aggregated paths (ChannelAttribution's format) through the core import framework.

Columns: ``path`` (channel names joined by ``>``; spaces around names are ignored),
``total_conversions``, optional ``total_conversion_value`` (kept to 10 decimals, half up) and
``total_null`` (blank: 0), conversions and nulls to 4 decimals, and
optional ``path_set`` (the set the row belongs to; default "Imported paths", usually given as
a profile constant). The default profile reads ChannelAttribution's own files: ``;``-separated,
numbers with a ``.`` decimal point and no thousands separator.

Paths are stored normalised (``a > b``), one row per file row (a path may repeat, as in
ChannelAttribution's own sample); a channel seen for the first time is created (grouping
"Imported paths"). A path set is written by one import: rows naming a set that already holds
paths are refused (import a new export into a new set; the same file submitted again is the
same import and writes nothing). All or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any, ClassVar

from pydantic import BeforeValidator, Field, ValidationInfo

from attribution.marketing.models import PATH_SEPARATOR, Channel, PathRow, PathSet
from attribution.marketing.permissions import MarketingCap
from revops.bulk import bulk_insert
from revops.imports.fields import TEXT, ImportRow, Quantity
from revops.imports.kinds import NO_SOURCE, Action, ImportKind, ImportSource, PlannedRow, Progress
from revops.imports.profiles import NumberFormat, ProfileSpec, parse_number
from revops.models import Organization

IMPORT_KIND = "marketing_paths"
DEFAULT_SET = "Imported paths"
IMPORTED_GROUPING = "Imported paths"
CHANNEL_MAX = 80
ERROR_EMPTY_PATH = "is empty"
ERROR_EMPTY_STEP = "has an empty channel between two '>'"
ERROR_NEGATIVE = "must not be negative"
ERROR_SET_EXISTS = "path set {set!r} already holds paths; import into a new path set"


# ChannelAttribution writes values as R/numpy doubles (up to 17 significant digits): they are
# read exactly and kept to VALUE_PLACES decimals, half up (the column is PathRow.value).
VALUE_PLACES = 10
VALUE_READ_PLACES = 20


def _to_value(value: Any, info: ValidationInfo) -> Decimal:
    spec = (info.context or {}).get("spec") or ProfileSpec()
    number = parse_number(value, spec.number, places=VALUE_READ_PLACES)
    return number.quantize(Decimal(1).scaleb(-VALUE_PLACES), rounding=ROUND_HALF_UP)


PathValue = Annotated[Decimal, BeforeValidator(_to_value)]


class PathImportRow(ImportRow):
    path: Annotated[str, TEXT, Field(max_length=4000)]
    total_conversions: Quantity
    total_conversion_value: PathValue | None = None
    total_null: Quantity | None = None
    path_set: Annotated[str, TEXT, Field(max_length=80)] | None = None


def normalise_path(path: str) -> tuple[list[str], str | None]:
    """The path's channel names, or a problem with it."""
    steps = [step.strip() for step in path.split(">")]
    if not path.strip():
        return [], ERROR_EMPTY_PATH
    if any(not step for step in steps):
        return [], ERROR_EMPTY_STEP
    long = [step for step in steps if len(step) > CHANNEL_MAX]
    if long:
        return [], f"channel {long[0][:20]!r}... is longer than {CHANNEL_MAX} characters"
    return steps, None


@dataclass
class _Lookups:
    channels: set[str] = field(default_factory=set)
    sets: dict[str, int] = field(default_factory=dict)
    filled: set[str] = field(default_factory=set)  # sets that already hold paths
    # What the filled sets named in the file hold: a re-upload of the same rows is unchanged.
    held: set[tuple[str, str, Decimal, Decimal, Decimal]] = field(default_factory=set)


class PathImport(ImportKind):
    name = IMPORT_KIND
    label = "Marketing paths (aggregated, ChannelAttribution format)"
    capability = MarketingCap.IMPORT
    audit_action = "marketing.paths.import"
    schema = PathImportRow
    key_field = "path"
    unique_key = False
    total_fields = ("total_conversions", "total_conversion_value", "total_null")
    default_profile = ProfileSpec(delimiter=";", number=NumberFormat(thousands=""))
    preview_fields = ("path_set", "path", "conversions", "value", "nulls")
    example: ClassVar[dict[str, str]] = {
        "path": "Paid search > Webinar",
        "total_conversions": "3",
        "total_conversion_value": "4500",
        "total_null": "12",
        "path_set": "Q1 paths",
    }
    column_notes: ClassVar[dict[str, str]] = {
        "path": "Channel names in order, separated by >; unknown channels are created.",
        "path_set": f"The set the paths belong to (default {DEFAULT_SET!r}); a set holding paths "
        "takes no new ones (a file it already holds is unchanged).",
    }

    def load(self, *, organization: Organization, rows: list[PathImportRow]) -> _Lookups:  # type: ignore[override]
        names = {r.path_set or DEFAULT_SET for r in rows}
        found = _Lookups(
            channels=set(Channel.objects.filter(organization=organization).values_list("name", flat=True)),
            sets=dict(
                PathSet.objects.filter(organization=organization, name__in=names).values_list("name", "id")
            ),
        )
        found.filled = set(
            PathRow.objects.filter(organization=organization, path_set_id__in=list(found.sets.values()))
            .values_list("path_set__name", flat=True)
            .distinct()
        )
        filled_ids = [pk for name, pk in found.sets.items() if name in found.filled]
        for values in PathRow.objects.filter(
            organization=organization, path_set_id__in=filled_ids
        ).values_list("path_set__name", "path", "conversions", "value", "nulls"):
            found.held.add(values)
        return found

    def resolve(self, row: PathImportRow, context: _Lookups) -> tuple[dict[str, Any], list[tuple[str, str]]]:  # type: ignore[override]
        errors: list[tuple[str, str]] = []
        steps, problem = normalise_path(row.path)
        if problem:
            errors.append(("path", problem))
        zero = Decimal(0)
        conv = row.total_conversions
        value = row.total_conversion_value if row.total_conversion_value is not None else zero
        nulls = row.total_null if row.total_null is not None else zero
        for name, number in (
            ("total_conversions", conv),
            ("total_conversion_value", value),
            ("total_null", nulls),
        ):
            if number < 0:
                errors.append((name, ERROR_NEGATIVE))
        set_name = row.path_set or DEFAULT_SET
        path = PATH_SEPARATOR.join(steps)
        values = {
            "path_set": set_name,
            "path": path,
            "conversions": conv,
            "value": value,
            "nulls": nulls,
        }
        if set_name in context.filled and (set_name, path, conv, value, nulls) not in context.held:
            errors.append(("path_set", ERROR_SET_EXISTS.format(set=set_name)))
        return values, errors

    def plan(self, values: dict[str, Any], context: _Lookups) -> Action:  # type: ignore[override]
        return Action.UNCHANGED if values["path_set"] in context.filled else Action.CREATE

    def write(  # type: ignore[override]
        self,
        *,
        organization,
        actor,
        rows: list[PlannedRow],
        context: _Lookups,
        progress: Progress,
        source: ImportSource = NO_SOURCE,
    ) -> dict[str, int]:
        new = [row for row in rows if row.action == Action.CREATE]
        set_ids = dict(context.sets)
        for name in sorted({r.values["path_set"] for r in new} - set(set_ids)):
            set_ids[name] = PathSet.objects.create(organization=organization, name=name).pk
        channels = sorted({c for r in new for c in r.values["path"].split(PATH_SEPARATOR)} - context.channels)
        Channel.objects.bulk_create(
            Channel(organization=organization, name=name, grouping=IMPORTED_GROUPING) for name in channels
        )
        bulk_insert(
            PathRow,
            ("organization_id", "path_set_id", "path", "conversions", "value", "nulls"),
            (
                (
                    organization.pk,
                    set_ids[r.values["path_set"]],
                    r.values["path"],
                    r.values["conversions"],
                    r.values["value"],
                    r.values["nulls"],
                )
                for r in new
            ),
        )
        progress(len(new), len(new))
        return {
            "paths": len(new),
            "channels": len(channels),
            "path_sets": len(set(set_ids) - set(context.sets)),
        }


PATH_IMPORT = PathImport()
