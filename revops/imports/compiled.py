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
import inspect
import types
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from annotated_types import MaxLen, MinLen
from pydantic import BeforeValidator
from pydantic.fields import FieldInfo

from revops.imports import fields as framework
from revops.imports.fields import ImportRow
from revops.imports.profiles import ProfileSpec, normalise_header

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
        kind=annotation,
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
        if getattr(model_validator.func, "__func__", None) is not ImportRow._drop_blanks.__func__:  # type: ignore[attr-defined]
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


_BLANK = object()


class CompiledRows:
    """The schema's fields with where each one's value comes from in this file.

    Fields whose value is the same on every row (a constant, or a column the file does not
    have) and that no validator reads are computed once, here; the others are read per row.
    """

    def __init__(
        self,
        schema: type[ImportRow],
        spec: ProfileSpec,
        fields: list[_Field],
        sources: list[tuple[str, Any, dict[str, str] | None]],
    ):
        self.schema = schema
        self.context = {"spec": spec}
        self.steps: list[Any] = []
        self.given_always: set[str] = set()
        static: dict[str, Any] = {}
        for field, (source, where, lookup) in zip(fields, sources, strict=True):
            if source in ("constant", "absent") and not field.after and field.pure:
                value, given = self._value(field, "" if source == "absent" else where, lookup, static)
                static[field.name] = value
                if given:
                    self.given_always.add(field.name)
                continue
            if static:
                self.steps.append(static)
                static = {}
            memo: dict[str, Any] | None = {} if field.pure else None
            self.steps.append((field, source, where, lookup, memo))
        if static:
            self.steps.append(static)

    def build(self, cells: Sequence[object]) -> ImportRow | None:
        """The row's model, or None: then the row goes through pydantic."""
        data: dict[str, Any] = {}
        given = set(self.given_always)
        try:
            for step in self.steps:
                if type(step) is dict:
                    data.update(step)
                    continue
                field, source, where, lookup, memo = step
                if source == "column":
                    raw = cells[where]
                elif source == "key":
                    raw = "|".join([key_part(cells[i]) for i in where])
                else:
                    raw = "" if source == "absent" else where
                if memo is not None and lookup is None and type(raw) is str:
                    value = memo.get(raw, _BLANK)
                    if value is _BLANK and raw.strip():
                        value = self._convert(field, raw, data)
                        if len(memo) < MEMO_SIZE:
                            memo[raw] = value
                    if value is not _BLANK:
                        data[field.name] = self._after(field, value, data) if field.after else value
                        given.add(field.name)
                        continue
                value, was_given = self._value(field, raw, lookup, data)
                data[field.name] = value
                if was_given:
                    given.add(field.name)
        except Exception:  # _Fallback, or a converter's error: pydantic names this row's problem
            return None
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
        value = raw
        for converter, takes_info in field.converters:
            value = converter(value, _Info(self.context, data, field.name)) if takes_info else converter(value)
        if type(value) is not field.kind:
            raise _Fallback
        if field.kind is str:
            if field.max_length is not None and len(value) > field.max_length:
                raise _Fallback
            if field.min_length is not None and len(value) < field.min_length:
                raise _Fallback
        elif field.kind is Decimal and not value.is_finite():
            raise _Fallback
        return value

    def _after(self, field: _Field, value: Any, data: dict[str, Any]) -> Any:
        for validator, takes_info in field.after:
            value = validator(value, _Info(self.context, data, field.name)) if takes_info else validator(value)
        return value


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
