"""Marketing channels from a file, through the core import framework (import kind `marketing_channels`).

Columns: `name` (the dedupe key: a channel's name is unique in the organization, and touchpoint
files name their channel by it), optional `grouping` (Paid, Owned, Offline, ...) and
`is_direct` (yes/no: the last non-direct touch model skips direct channels). A new name creates
a channel; a known name whose grouping or direct flag differs updates it; an identical row is
unchanged, so a re-upload changes nothing. All rows or none.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import Field

from attribution.marketing.models import Channel
from attribution.marketing.permissions import MarketingCap
from revops.imports.fields import TEXT, ImportRow
from revops.imports.kinds import NO_SOURCE, Action, ImportKind, ImportSource, PlannedRow, Progress
from revops.models import Organization
from revops.services.record_import import YesNo

IMPORT_KIND = "marketing_channels"
COMPARED = ("grouping", "is_direct")


class ChannelRow(ImportRow):
    name: Annotated[str, TEXT, Field(min_length=1, max_length=80)]
    grouping: Annotated[str, TEXT, Field(max_length=60)] | None = None
    is_direct: YesNo | None = None


class ChannelImport(ImportKind):
    name = IMPORT_KIND
    label = "Marketing channels"
    capability = MarketingCap.IMPORT
    audit_action = "marketing.channels.import"
    schema = ChannelRow
    key_field = "name"
    preview_fields = ("name", "grouping", "is_direct")
    example: ClassVar[dict[str, str]] = {"name": "Paid search", "grouping": "Paid", "is_direct": "no"}
    column_notes: ClassVar[dict[str, str]] = {
        "name": "The channel's name; the dedupe key, named by touchpoint files and paths.",
        "grouping": "Channel group, e.g. Paid, Owned, Offline.",
        "is_direct": "yes or no (default no): the last non-direct touch model skips direct channels.",
    }

    def load(self, *, organization: Organization, rows: list[ChannelRow]) -> dict[str, Channel]:  # type: ignore[override]
        names = sorted({r.name for r in rows})
        return {c.name: c for c in Channel.objects.filter(organization=organization, name__in=names)}

    def resolve(
        self, row: ChannelRow, context: dict[str, Channel]
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:  # type: ignore[override]
        current = context.get(row.name)
        # A blank optional column keeps what a known channel has, and gives a new one the default.
        values = {
            "name": row.name,
            "grouping": row.grouping if row.grouping is not None else (current.grouping if current else ""),
            "is_direct": row.is_direct
            if row.is_direct is not None
            else (current.is_direct if current else False),
        }
        return values, []

    def plan(self, values: dict[str, Any], context: dict[str, Channel]) -> Action:  # type: ignore[override]
        current = context.get(values["name"])
        if current is None:
            return Action.CREATE
        if any(getattr(current, f) != values[f] for f in COMPARED):
            return Action.UPDATE
        return Action.UNCHANGED

    def write(  # type: ignore[override]
        self,
        *,
        organization,
        actor,
        rows: list[PlannedRow],
        context: dict[str, Channel],
        progress: Progress,
        source: ImportSource = NO_SOURCE,
    ) -> None:
        new = [Channel(organization=organization, **r.values) for r in rows if r.action == Action.CREATE]
        Channel.objects.bulk_create(new)
        changed = [r for r in rows if r.action == Action.UPDATE]
        for row in changed:
            channel = context[row.values["name"]]
            channel.grouping, channel.is_direct = row.values["grouping"], row.values["is_direct"]
            channel.save(update_fields=list(COMPARED))
        progress(len(rows), len(rows))


CHANNEL_IMPORT = ChannelImport()
