"""The fast path: a kind's row schema compiled once per file into per-field steps.

Validating a row through pydantic calls the schema's converters for every cell through
generic machinery; most files are plain columns of text, numbers and dates, read the same
way on every row. `compile_rows` turns the schema, the profile and the file's headers into
one step per field (where its value comes from, its value map, its converter and checks, the
schema's after-validators), built once, and `CompiledRows.build` runs them on a row's cells.

The fast path never decides that a row is wrong: any value it cannot read, any check that
fails, any validator that raises, and the row goes through pydantic (`model_validate`), which
names the problem exactly as it always did. A schema or a file it does not know how to
compile (model validators of its own, types other than text, numbers and dates, converters
that are not plain functions) is not compiled at all, and every row takes the general way.
The results are the same models: `tests/imports/test_compiled.py` checks both ways give the
same rows and the same errors on the same files.
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import re
import types
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import repeat
from typing import Any

from annotated_types import MaxLen, MinLen
from pydantic import BeforeValidator
from pydantic.fields import FieldInfo

from revops.imports import fields as framework
from revops.imports.fields import ImportRow
from revops.imports.profiles import ProfileSpec, normalise_header
from revops.text import CONTROL_CHARACTERS

# The framework's converters depend on the value and the profile only, so a file's repeated
# values (dates, reps, product lines) are converted once. Per field, at most this many.
MEMO_SIZE = 20_000
PURE_CONVERTERS = {framework._to_text, framework._to_money, framework._to_date, framework._to_quantity}
TYPES = (str, Decimal, dt.date)


class _Fallback(Exception):
    """This row goes through pydantic."""


class _Info:
    """What pydantic hands a validator as `info`: the context and the fields validated so far."""

    __slots__ = ("config", "context", "data", "field_name", "mode")

    def __init__(self, context: dict[str, Any], data: dict[str, Any], field_name: str):
        self.context = context
        self.data = data
        self.field_name = field_name
        self.config = None
        self.mode = "python"


@dataclass
class _Field:
    """How one field is read: its type, converters, length limits, default and after-validators."""

    name: str
    kind: type
    optional: bool
    converters: list[tuple[Callable[..., Any], bool]]  # (function, takes info)
    max_length: int | None
    min_length: int | None
    required: bool
    default: Any
    validate_default: bool
    after: list[tuple[Callable[..., Any], bool]]
    pure: bool


def _takes_info(function: Callable[..., Any]) -> bool:
    parameters = [
        p
        for p in inspect.signature(function).parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    return len(parameters) >= 2


def _field(name: str, info: FieldInfo, after: list[Callable[..., Any]]) -> _Field | None:
    """The field's reading, or None when the fast path does not know its type or metadata."""
    annotation, metadata, optional = info.annotation, list(info.metadata), False
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) != 1 or len(typing.get_args(annotation)) != 2:
            return None
        annotation, optional = args[0], True
    if typing.get_origin(annotation) is typing.Annotated:
        annotation, *extra = typing.get_args(annotation)
        for item in extra:
            metadata += item.metadata if isinstance(item, FieldInfo) else [item]
    if annotation not in TYPES or info.default_factory is not None:
        return None
    converters, max_length, min_length = [], None, None
    for item in metadata:
        if isinstance(item, BeforeValidator):
            converters.append((item.func, _takes_info(item.func)))
        elif isinstance(item, MaxLen) and annotation is str:
            max_length = item.max_length
        elif isinstance(item, MinLen) and annotation is str:
            min_length = item.min_length
        else:
            return None
    if info.validate_default and info.default is not None and not info.is_required():
        return None  # a default that is itself validated: leave it to pydantic
    return _Field(
        name=name,
        kind=typing.cast(type, annotation),
        optional=optional,
        converters=converters,
        max_length=max_length,
        min_length=min_length,
        required=info.is_required(),
        default=None if info.is_required() else info.default,
        validate_default=bool(info.validate_default),
        after=[(f, _takes_info(f)) for f in after],
        pure=all(c in PURE_CONVERTERS for c, _ in converters),
    )


def _schema_fields(schema: type[ImportRow]) -> list[_Field] | None:
    """Every field's reading, or None when the schema has validators the fast path does not run."""
    decorators = schema.__pydantic_decorators__
    if decorators.validators or decorators.root_validators:
        return None
    for model_validator in decorators.model_validators.values():
        if getattr(model_validator.func, "__func__", None) is not ImportRow._drop_blanks.__func__:
            return None
    after: dict[str, list[Callable[..., Any]]] = {name: [] for name in schema.model_fields}
    for validator in decorators.field_validators.values():
        if validator.info.mode != "after" or any(f not in after for f in validator.info.fields):
            return None
        for name in validator.info.fields:
            after[name].append(validator.func)
    compiled = []
    for name, info in schema.model_fields.items():
        if info.alias or info.validation_alias:
            return None
        found = _field(name, info, after[name])
        if found is None:
            return None
        compiled.append(found)
    return compiled


_MISS = object()


@dataclass
class _Column:
    """A field read from the file row by row (a column, the key columns, or a validated constant)."""

    field: _Field
    source: str
    where: Any
    lookup: dict[str, str] | None
    memo: dict[str, Any] | None


class CompiledRows:
    """The schema's fields with where each one's value comes from in this file.

    Rows are built a chunk at a time, a column at a time: each field's cells are converted
    together (a text column trimmed at once when it has no control character, a column of
    plain numbers parsed at once, repeated values converted once), then each row's model is
    assembled in field order, running the schema's after-validators with the fields before
    them, as pydantic does. Fields whose value is the same on every row (a constant, or a
    column the file does not have) and that no validator reads are computed once, here.
    """

    def __init__(
        self,
        schema: type[ImportRow],
        spec: ProfileSpec,
        fields: list[_Field],
        sources: list[tuple[str, Any, dict[str, str] | None]],
    ):
        self.schema = schema
        self.spec = spec
        self.context = {"spec": spec}
        self.text_cells = spec.format == "csv"  # every cell is a str
        self.columns: list[_Column] = []
        # The row's fields in order: ("plain", [names], {name: value of a static field}) for
        # runs of fields no validator reads, ("validated", column) for the others.
        self.segments: list[tuple[str, Any, Any]] = []
        self.given_always: set[str] = set()
        names: list[str] = []
        static: dict[str, Any] = {}
        for field, (source, where, lookup) in zip(fields, sources, strict=True):
            raw = "" if source == "absent" else where
            if source in ("constant", "absent") and field.pure and self._same_every_row(field, raw, lookup):
                value, given = self._value(field, raw, lookup, static)
                names.append(field.name)
                static[field.name] = value
                if given:
                    self.given_always.add(field.name)
                continue
            column = _Column(field, source, where, lookup, {} if field.pure else None)
            self.columns.append(column)
            if field.after or not field.pure:
                if names:
                    self.segments.append(("plain", names, static))
                    names, static = [], {}
                self.segments.append(("validated", column, None))
            else:
                names.append(field.name)
        if names:
            self.segments.append(("plain", names, static))
        self.given_columns = {c.field.name for c in self.columns}

    @staticmethod
    def _same_every_row(field: _Field, raw: object, lookup: dict[str, str] | None) -> bool:
        if not field.after:
            return True
        if lookup is not None and isinstance(raw, str):
            raw = lookup.get(normalise_header(raw), raw)
        return isinstance(raw, str) and not raw.strip() and not field.validate_default

    def build(self, cells: Sequence[object]) -> ImportRow | None:
        """The row's model, or None: then the row goes through pydantic."""
        return self.build_many([cells])[0]

    def build_many(self, rows: Sequence[Sequence[object]]) -> list[ImportRow | None]:
        """Each row's model, or None for a row that goes through pydantic."""
        bad: set[int] = set()
        blanks: dict[int, set[str]] = {}
        values: dict[str, list[Any]] = {}
        for column in self.columns:
            values[column.field.name] = self._column(column, self._raw(column, rows), bad, blanks)
        count = len(rows)
        runs = [
            list(zip(*[repeat(static[n], count) if n in static else values[n] for n in names], strict=False))
            if kind == "plain"
            else None
            for kind, names, static in self.segments
        ]
        return [None if i in bad else self._assemble(i, values, runs, blanks.get(i)) for i in range(count)]

    def _raw(self, column: _Column, rows: Sequence[Sequence[object]]) -> list[object]:
        where = column.where
        if column.source == "column":
            raw: list[object] = [cells[where] for cells in rows]
        elif column.source == "key":
            if len(where) == 1:
                (position,) = where
                raw = [
                    cells[position].strip() if type(cells[position]) is str else key_part(cells[position])
                    for cells in rows
                ]
            else:
                raw = ["|".join([key_part(cells[i]) for i in where]) for cells in rows]
        else:
            raw = ["" if column.source == "absent" else where] * len(rows)
        if column.lookup is not None:
            lookup = column.lookup
            raw = [lookup.get(normalise_header(v), v) if isinstance(v, str) else v for v in raw]
        return raw

    def _column(
        self, column: _Column, raw: list[object], bad: set[int], blanks: dict[int, set[str]]
    ) -> list[Any]:
        """The column's converted values; _MISS where the cell is blank; bad rows noted."""
        field = column.field
        out = self._at_once(field, raw, column.source) if field.pure else None
        if out is None:
            memo = column.memo
            if memo is not None:
                get = memo.get
                out = [get(v, _MISS) if type(v) is str else _MISS for v in raw]
            else:
                out = [_MISS] * len(raw)
            for i in [i for i, v in enumerate(out) if v is _MISS]:
                cell = raw[i]
                if isinstance(cell, str) and not cell.strip():
                    continue
                try:
                    out[i] = value = self._convert(field, cell, {}) if field.pure else cell
                except Exception:  # pydantic names the problem
                    bad.add(i)
                    continue
                if memo is not None and type(cell) is str and len(memo) < MEMO_SIZE:
                    memo[cell] = value
        for i in [i for i, v in enumerate(out) if v is _MISS]:
            blanks.setdefault(i, set()).add(field.name)
            if field.required:
                bad.add(i)
            elif not field.after and field.pure:
                out[i] = field.default
        return out

    def _at_once(self, field: _Field, raw: list[object], source: str) -> list[Any] | None:
        """A whole column converted by C-level string and number operations, or None."""
        if not (self.text_cells or source == "key") or len(field.converters) != 1:
            return None
        converter = field.converters[0][0]
        cells = typing.cast(list[str], raw)
        if converter is framework._to_text and field.kind is str:
            if CONTROL_CHARACTERS.search("".join(cells)):
                return None
            out: list[Any] = [c.strip() for c in cells]
            longest = max(map(len, out), default=0)
            shortest = min((len(v) for v in out if v), default=1) if field.min_length is not None else 0
            if (field.max_length is not None and longest > field.max_length) or (
                field.min_length is not None and shortest < field.min_length
            ):
                return None
            return [v if v else _MISS for v in out]
        places = _PLACES.get(converter)
        if places is None or (converter is framework._to_money and self.spec.money_rounding != "refuse"):
            return None
        if not _number_column(self.spec.number.decimal, places).fullmatch("\n".join(cells)):
            return None
        numbers = (
            [Decimal(c) for c in cells]
            if self.spec.number.decimal == "."
            else [Decimal(c.replace(",", ".")) for c in cells]
        )
        if (
            converter is framework._to_money
            and numbers
            and (max(numbers) > framework.MAX_MONEY or min(numbers) < -framework.MAX_MONEY)
        ):
            return None
        return numbers

    def _assemble(
        self, i: int, values: dict[str, list[Any]], runs: list[Any], blank: set[str] | None
    ) -> ImportRow | None:
        data: dict[str, Any] = {}
        try:
            for (_, segment, _static), run in zip(self.segments, runs, strict=True):
                if run is not None:
                    data.update(zip(segment, run[i], strict=True))
                    continue
                field = segment.field
                value = values[field.name][i]
                if value is _MISS:
                    value = field.default
                    if field.validate_default:
                        value = self._after(field, value, data)
                else:
                    if not field.pure:  # its converters read the fields before it
                        value = self._convert(field, value, data)
                    if field.after:
                        value = self._after(field, value, data)
                data[field.name] = value
        except Exception:  # a validator refused: pydantic names the problem
            return None
        given = self.given_always | self.given_columns
        if blank:
            given -= blank
        row = object.__new__(self.schema)
        object.__setattr__(row, "__dict__", data)
        object.__setattr__(row, "__pydantic_fields_set__", given)
        object.__setattr__(row, "__pydantic_extra__", None)
        object.__setattr__(row, "__pydantic_private__", None)
        return row

    def _value(
        self, field: _Field, raw: object, lookup: dict[str, str] | None, data: dict[str, Any]
    ) -> tuple[Any, bool]:
        """The field's value from the cell and whether the row gave it (a blank cell did not)."""
        if lookup is not None and isinstance(raw, str):
            raw = lookup.get(normalise_header(raw), raw)
        if isinstance(raw, str) and not raw.strip():
            if field.required:
                raise _Fallback
            value = field.default
            if field.validate_default:
                value = self._after(field, value, data)
            return value, False
        return self._after(field, self._convert(field, raw, data), data), True

    def _convert(self, field: _Field, raw: object, data: dict[str, Any]) -> Any:
        if raw is None:
            if field.optional:
                return None
            raise _Fallback
        value: Any = raw
        for converter, takes_info in field.converters:
            value = (
                converter(value, _Info(self.context, data, field.name)) if takes_info else converter(value)
            )
        if type(value) is not field.kind:
            raise _Fallback
        if isinstance(value, str):
            if field.max_length is not None and len(value) > field.max_length:
                raise _Fallback
            if field.min_length is not None and len(value) < field.min_length:
                raise _Fallback
        elif isinstance(value, Decimal) and not value.is_finite():
            raise _Fallback
        return value

    def _after(self, field: _Field, value: Any, data: dict[str, Any]) -> Any:
        for validator, takes_info in field.after:
            value = (
                validator(value, _Info(self.context, data, field.name)) if takes_info else validator(value)
            )
        return value


_PLACES = {framework._to_money: framework.MONEY_PLACES, framework._to_quantity: framework.QUANTITY_PLACES}


@functools.lru_cache(maxsize=16)
def _number_column(decimal: str, places: int) -> re.Pattern[str]:
    """Lines that are each a plain number with at most `places` decimals (trailing zeros aside).

    What `parse_number` reads without its general parser; a column that matches as a whole is
    converted with `Decimal` directly. Each number is an atomic group and the lines are taken
    possessively: how a number's decimals split into significant digits and trailing zeros is
    never tried again, so a column whose last line is not such a number fails in linear time
    (backtracking over every way to split "100.00" on thousands of lines took minutes)."""
    number = rf"(?>[+-]?\d+(?:{re.escape(decimal)}(?=\d)\d{{0,{places}}}0*)?)"
    return re.compile(rf"(?:{number}\n)*+{number}", re.ASCII)


def key_part(value: object) -> str:
    """One key column's value as it goes into a joined key."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a spreadsheet's 1001.0 is the order number 1001
    return str(value).strip()


def compile_rows(
    schema: type[ImportRow], spec: ProfileSpec, headers: list[str], key_field: str
) -> CompiledRows | None:
    """The fast path for this schema, profile and file, or None when rows must go through pydantic."""
    fields = _schema_fields(schema)
    if fields is None:
        return None
    position = {h: i for i, h in enumerate(headers) if h}
    key_columns = tuple(normalise_header(c) for c in spec.key_columns)
    sources: list[tuple[str, Any, dict[str, str] | None]] = []
    for field in fields:
        mapping = spec.value_maps.get(field.name)
        lookup = {normalise_header(k): v for k, v in mapping.items()} if mapping else None
        if field.name in spec.constants:
            sources.append(("constant", spec.constants[field.name], lookup))
        elif field.name == key_field and key_columns:
            if any(c not in position for c in key_columns):
                return None
            sources.append(("key", tuple(position[c] for c in key_columns), lookup))
        elif spec.header_for(field.name) in position:
            sources.append(("column", position[spec.header_for(field.name)], lookup))
        else:
            sources.append(("absent", None, lookup))
    try:
        return CompiledRows(schema, spec, fields, sources)
    except Exception:  # a constant the fast path cannot read: pydantic reads every row
        return None
