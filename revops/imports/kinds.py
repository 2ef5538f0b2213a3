"""Import kinds: what one kind of file creates, registered by its app from AppConfig.ready.

A kind names its row schema, its dedupe key, the fields it totals, its built-in profile and
the capability an importer needs; it resolves references (accounts, owners) for all rows at
once, says per row whether it would create, update or leave a record unchanged, and writes
a checked batch. The pipeline (`revops.imports.pipeline`) does the rest the same way for
every kind: reading, validating, preview, all-or-nothing, jobs and audit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, NamedTuple

from revops.imports.fields import ImportRow
from revops.imports.profiles import ProfileSpec


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"


class PlannedRow(NamedTuple):
    """A valid row: its line, what writing it would do and the values to write.

    A NamedTuple: a file of a million rows makes a million of them."""

    line: int
    action: Action
    values: dict[str, Any]


Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ImportSource:
    """Where the rows being written came from: the import's run and the uploaded file's name.

    With each row's `PlannedRow.line`, a written record can point at its file and line."""

    job_run_id: int | None = None
    filename: str = ""


NO_SOURCE = ImportSource()


class ImportKind:
    """Base class of an import kind; subclasses set the class attributes and three methods."""

    name: ClassVar[str]
    label: ClassVar[str]
    capability: ClassVar[str]
    audit_action: ClassVar[str]
    schema: ClassVar[type[ImportRow]]
    key_field: ClassVar[str] = "external_id"
    # False: the key may repeat inside one file (e.g. aggregated paths, where one path can be
    # listed on several rows); the kind then checks its rows itself.
    unique_key: ClassVar[bool] = True
    total_fields: ClassVar[tuple[str, ...]] = ()
    default_profile: ClassVar[ProfileSpec] = ProfileSpec()
    # Fields shown per row in the preview table, after the line and the action.
    preview_fields: ClassVar[tuple[str, ...]] = ()
    # The template's example row (field -> text as the built-in profile reads it): a file of
    # the header and this row imports once the records it refers to exist.
    example: ClassVar[dict[str, str]] = {}
    # What a column holds, for the template's "About" sheet: its meaning and allowed values.
    column_notes: ClassVar[dict[str, str]] = {}
    # Kinds whose example rows this kind's example refers to (imported first).
    requires: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def fields(cls) -> list[str]:
        return list(cls.schema.model_fields)

    @classmethod
    def required_fields(cls) -> list[str]:
        return [name for name, info in cls.schema.model_fields.items() if info.is_required()]

    def load(self, *, organization, rows: list[ImportRow]) -> Any:
        """Everything rows refer to, loaded once for the file (queries do not grow with rows)."""
        return None

    def load_more(self, *, organization, context: Any, rows: list[ImportRow]) -> None:
        """Add what more rows refer to into `context` (what `load` returned for the first rows).

        A kind that implements it is loaded a chunk of rows at a time (`load` for the first
        chunk, then this for each next one), so a large file's parsed rows are not all held
        at once; the result must be what `load` of all the rows would give."""
        raise NotImplementedError

    @classmethod
    def loads_in_chunks(cls) -> bool:
        return cls.load_more is not ImportKind.load_more

    def resolve(self, row: ImportRow, context: Any) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        """The row's values to write and its (field, problem) list; empty when the row is valid."""
        raise NotImplementedError

    def plan(self, values: dict[str, Any], context: Any) -> Action:
        raise NotImplementedError

    def write(
        self,
        *,
        organization,
        actor,
        rows: list[PlannedRow],
        context: Any,
        progress: Progress,
        source: ImportSource = NO_SOURCE,
    ) -> dict[str, int] | None:
        """Write the created and updated rows inside the import's transaction; extra counts or None."""
        raise NotImplementedError


_KINDS: dict[str, ImportKind] = {}


def register_import_kind(kind: ImportKind) -> None:
    """Make `kind` importable through the page, API, admin and command (idempotent)."""
    _KINDS[kind.name] = kind


def import_kind_get(name: str) -> ImportKind:
    try:
        return _KINDS[name]
    except KeyError:
        raise LookupError(f"No import kind {name!r} (known: {', '.join(sorted(_KINDS))}).") from None


def import_kind_list() -> list[ImportKind]:
    return [_KINDS[name] for name in sorted(_KINDS)]
