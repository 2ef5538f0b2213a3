"""Read → validate → resolve → plan, the same for every kind; then write all rows or none.

`import_prepare` never writes: it returns the preview (row errors, counts, totals, what would
be created, updated or left unchanged) and the planned rows. `import_apply` prepares again,
refuses when anything is wrong and otherwise writes every row and one audit row in one
transaction. A kind that loads its references a chunk at a time is written a chunk at a time
too, as the file is read, inside that transaction: the confirm of a large file never holds
every planned row, and a row refused late rolls back the chunks written before it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from typing import Any

from django.db import transaction
from pydantic import ValidationError as PydanticError

from revops.imports.compiled import compile_rows, key_part
from revops.imports.errors import FileRefused, ImportRefused
from revops.imports.fields import error_message
from revops.imports.kinds import Action, ImportKind, ImportSource, PlannedRow
from revops.imports.profiles import ProfileSpec, normalise_header
from revops.imports.readers import TableStream, open_table
from revops.services.audit import audit_record

# How many planned rows the preview shows; the counts and totals cover every row.
PREVIEW_ROWS = 50
# Error lines kept for display; a file with 40,000 bad rows does not need 40,000 lines shown.
MAX_ERRORS = 500
# Valid rows resolved together by a kind that loads its references a chunk at a time: large
# enough that its lookups stay a few queries per chunk, small enough that a chunk's parsed rows
# are a small part of memory.
CHUNK_ROWS = 20_000
# Rows read from the file and built by the fast path together, a column at a time.
BUILD_ROWS = 5_000

ERROR_MISSING_COLUMNS = "line {line}: missing column(s): {columns}"
ERROR_EMPTY = "The file has no rows to import."
ERROR_TOO_MANY_VALUES = "line {line}: the row has {count} values, the header has {columns} columns"
ERROR_REPEATED_KEY = "line {line}, {field}: {value!r} already appears on line {first}"


@dataclass
class Preview:
    """What importing the file would do; `errors` empty means it can be confirmed."""

    rows: int = 0
    errors: list[str] = field(default_factory=list)
    error_count: int = 0
    counts: dict[str, int] = field(default_factory=lambda: {a.value: 0 for a in Action})
    totals: dict[str, Decimal] = field(default_factory=dict)
    sample: list[dict[str, Any]] = field(default_factory=list)
    # What the write reported besides the counts (e.g. ledger entries posted).
    extra: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "errors": self.errors,
            "error_count": self.error_count,
            "counts": self.counts,
            "totals": {k: str(v) for k, v in self.totals.items()},
            "sample": self.sample,
            "extra": self.extra,
        }


@dataclass
class Prepared:
    preview: Preview
    planned: list[PlannedRow]
    context: Any


def _error(preview: Preview, message: str) -> None:
    preview.error_count += 1
    if len(preview.errors) < MAX_ERRORS:
        preview.errors.append(message)


class _RowMap:
    """How a file's rows become the kind's fields: decided once per file, applied per row."""

    def __init__(self, kind: ImportKind, spec: ProfileSpec):
        self.fields: list[tuple[str, str, str | None, tuple[str, ...], dict[str, str] | None]] = []
        key_columns = tuple(normalise_header(c) for c in spec.key_columns)
        for name in kind.fields():
            mapping = spec.value_maps.get(name)
            lookup = {normalise_header(k): v for k, v in mapping.items()} if mapping else None
            if name in spec.constants:
                self.fields.append((name, "constant", spec.constants[name], (), lookup))
            elif name == kind.key_field and key_columns:
                self.fields.append((name, "key", None, key_columns, lookup))
            else:
                self.fields.append((name, "column", spec.header_for(name), (), lookup))

    def row(self, values: dict[str, object]) -> dict[str, object]:
        """The row's fields as named by the kind: column map, constants, then value maps."""
        row: dict[str, object] = {}
        for name, source, header, key_columns, lookup in self.fields:
            if source == "constant":
                value: object = header
            elif source == "key":
                value = "|".join(key_part(values.get(c)) for c in key_columns)
            else:
                value = values.get(header or "", "")
            if lookup and isinstance(value, str):
                value = lookup.get(normalise_header(value), value)
            row[name] = value
        return row


def _check_columns(kind: ImportKind, spec: ProfileSpec, table: TableStream) -> None:
    present = set(table.headers)
    missing = [
        spec.columns.get(name, name)
        for name in kind.required_fields()
        if name not in spec.constants
        and not (name == kind.key_field and spec.key_columns)
        and spec.header_for(name) not in present
    ]
    missing += [column for column in spec.key_columns if normalise_header(column) not in present]
    if missing:
        raise FileRefused(ERROR_MISSING_COLUMNS.format(line=table.header_line, columns=", ".join(missing)))


def import_prepare(
    *,
    kind: ImportKind,
    organization,
    content: bytes,
    spec: ProfileSpec,
    progress: Callable[[int, int], None] | None = None,
    compiled: bool = True,
    keep_planned: bool = True,
    on_chunk: Callable[[list[PlannedRow], Any], None] | None = None,
) -> Prepared:
    """Validate the whole file and plan it; raises FileRefused when the file cannot be read.

    Rows are read as the file is, validated by the compiled fast path where it applies
    (`compiled=False` sends every row through pydantic), and, for a kind that loads its
    references a chunk at a time (`ImportKind.load_more`), resolved and planned per chunk, so
    memory holds the planned rows and not every parsed one. A preview, which writes nothing,
    passes `keep_planned=False`: each chunk's rows are counted, totalled and sampled, then
    dropped, so its memory is bounded by a chunk and not by the file (`planned` is empty).
    `on_chunk(planned, context)` is handed each chunk's planned rows as it is planned (the
    apply writes them there).
    """
    table = open_table(content, spec)
    _check_columns(kind, spec, table)
    preview = Preview()
    row_map = _RowMap(kind, spec)
    fast = compile_rows(kind.schema, spec, table.headers, kind.key_field) if compiled else None
    plan = _Planner(kind, organization, preview, keep_planned=keep_planned, on_chunk=on_chunk)
    first_line: dict[str, int] = {}
    columns = len([h for h in table.headers if h])
    context = {"spec": spec}
    index = 0
    while batch := list(islice(table.records, BUILD_ROWS)):
        built = fast.build_many([cells for _, cells in batch]) if fast is not None else [None] * len(batch)
        for (line, cells), row in zip(batch, built, strict=True):
            index += 1
            if progress and index % 500 == 0:
                progress(min(index, table.size_hint), max(table.size_hint, index))
            if line in table.overlong:
                _error(
                    preview,
                    ERROR_TOO_MANY_VALUES.format(line=line, count=table.overlong[line], columns=columns),
                )
                continue
            if row is None:
                try:
                    row = kind.schema.model_validate(row_map.row(table.as_dict(cells)), context=context)
                except PydanticError as exc:
                    for problem in exc.errors():
                        name = str(problem["loc"][0]) if problem["loc"] else "(row)"
                        _error(preview, f"line {line}, {name}: {error_message(problem)}")
                    continue
            key = str(getattr(row, kind.key_field))
            if kind.unique_key and key in first_line:
                _error(
                    preview,
                    ERROR_REPEATED_KEY.format(
                        line=line, field=kind.key_field, value=key, first=first_line[key]
                    ),
                )
                continue
            first_line[key] = line
            plan.add(line, row)
    if index == 0:
        raise FileRefused(ERROR_EMPTY)
    preview.rows = index
    plan.finish()
    preview.errors.sort(key=_line_of)
    return Prepared(preview=preview, planned=plan.planned, context=plan.context)


class _Planner:
    """Valid rows → resolved, planned, counted; a chunk at a time when the kind loads that way."""

    def __init__(
        self,
        kind: ImportKind,
        organization,
        preview: Preview,
        *,
        keep_planned: bool = True,
        on_chunk: Callable[[list[PlannedRow], Any], None] | None = None,
    ):
        self.kind, self.organization, self.preview = kind, organization, preview
        self.keep_planned, self.on_chunk = keep_planned, on_chunk
        self.chunked = kind.loads_in_chunks()
        self.pending: list[tuple[int, Any]] = []
        self.planned: list[PlannedRow] = []
        self.context: Any = None
        self.loaded = False

    def add(self, line: int, row: Any) -> None:
        self.pending.append((line, row))
        if self.chunked and len(self.pending) >= CHUNK_ROWS:
            self._flush()

    def finish(self) -> None:
        if self.pending or not self.loaded:
            self._flush()

    def _flush(self) -> None:
        kind, preview = self.kind, self.preview
        rows = [row for _, row in self.pending]
        if not self.loaded:
            self.context = kind.load(organization=self.organization, rows=rows)
            self.loaded = True
        else:
            kind.load_more(organization=self.organization, context=self.context, rows=rows)
        del rows
        sample, counts, planned = preview.sample, preview.counts, []
        for line, row in self.pending:
            values, problems = kind.resolve(row, self.context)
            if problems:
                for name, message in problems:
                    _error(preview, f"line {line}, {name}: {message}")
                continue
            action = kind.plan(values, self.context)
            planned.append(PlannedRow(line, action, values))
            counts[action.value] += 1
            if len(sample) < PREVIEW_ROWS:
                sample.append(
                    {
                        "line": line,
                        "action": action.value,
                        "values": [str(values.get(f, "") or "") for f in kind.preview_fields],
                    }
                )
        for name in kind.total_fields if planned else ():  # exact: the order of additions does not matter
            preview.totals[name] = preview.totals.get(name, Decimal("0")) + sum(
                (p.values.get(name) or 0 for p in planned), Decimal("0")
            )
        if self.on_chunk is not None and planned:
            self.on_chunk(planned, self.context)
        if self.keep_planned:
            self.planned += planned
        self.pending = []


def _line_of(message: str) -> int:
    head = message.split(",", 1)[0].split(":", 1)[0]
    digits = head.removeprefix("line ").strip()
    return int(digits) if digits.isdigit() else 0


def import_apply(
    *,
    kind: ImportKind,
    organization,
    actor,
    content: bytes,
    spec: ProfileSpec,
    job_run_id: int | None = None,
    filename: str = "",
    progress: Callable[[int, int], None] | None = None,
) -> Preview:
    """Write every row of the file or none; raises ImportRefused (row errors) or FileRefused.

    Writes one audit row (the kind's action, the job as its object, counts, totals and what
    the kind's write reported). A kind that loads a chunk at a time is planned and written a
    chunk at a time inside the one transaction (memory: a chunk's planned rows, not the
    file's); a row refused on the way raises after the last chunk and rolls every chunk back.
    """
    source = ImportSource(job_run_id=job_run_id, filename=filename)
    chunked = kind.loads_in_chunks()
    extra: dict[str, Any] = {}
    report = progress or (lambda done, total: None)

    def write(rows: list[PlannedRow], context: Any) -> None:
        # Chunked, the progress is the file read so far (a chunk's write is a step of it).
        written = kind.write(
            organization=organization,
            actor=actor,
            rows=rows,
            context=context,
            progress=(lambda done, total: None) if chunked else report,
            source=source,
        )
        for name, value in (written or {}).items():
            extra[name] = extra[name] + value if name in extra else value

    with transaction.atomic():
        prepared = import_prepare(
            kind=kind,
            organization=organization,
            content=content,
            spec=spec,
            progress=report if chunked else None,
            keep_planned=not chunked,
            on_chunk=write if chunked else None,
        )
        if prepared.preview.error_count:
            raise ImportRefused(prepared.preview.errors, total=prepared.preview.error_count)
        if not chunked:
            write(prepared.planned, prepared.context)
        prepared.preview.extra = extra
        audit_record(
            organization=organization,
            actor=actor if actor is not None and actor.is_authenticated else None,
            action=kind.audit_action,
            object_type="revops.jobrun",
            object_id=str(job_run_id or ""),
            after={
                **prepared.preview.counts,
                **{f"total_{k}": v for k, v in prepared.preview.totals.items()},
                **prepared.preview.extra,
            },
        )
    return prepared.preview
