"""Bulk inserts of plain rows: COPY on PostgreSQL, bulk_create on other databases.

For imports and postings of many rows, where building a model instance per row and Django's
per-value preparation cost more than the database's own work. Rows are tuples of Python
values in `fields` order (Decimal, date, str, int, None); psycopg adapts them for COPY. The
model's `created_at` and `updated_at` are filled with one timestamp when not given.

On PostgreSQL the rows stream through one COPY, in PostgreSQL's binary format when every
column has a plain type (numbers, text, dates, timestamps, booleans): no value is printed as
text for the server to parse back. The iterable must not use the database connection while it
is consumed (no queries, no progress writes).

`rows_by_key` reads the rows whose key is one of many thousands of keys, for imports that
match a file's rows to what is stored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from django.db import connection
from django.utils import timezone

BULK_BATCH = 2000  # rows per bulk_create statement (Django splits further to parameter limits)
STAMPS = ("created_at", "updated_at")
# PostgreSQL column types (Django's db_type, without length or precision) → binary COPY types.
BINARY_TYPES = {
    "bigint": "int8",
    "integer": "int4",
    "smallint": "int2",
    "varchar": "varchar",
    "text": "text",
    "numeric": "numeric",
    "date": "date",
    "timestamp with time zone": "timestamptz",
    "boolean": "bool",
    "double precision": "float8",
    "uuid": "uuid",
}
# Keys per query of `rows_by_key`: one array parameter on PostgreSQL, so the query text stays
# short whatever the count; a list of placeholders elsewhere (SQLite's limit is 32,766).
KEYS_PER_QUERY_PG = 50_000
KEYS_PER_QUERY = 2_000


def bulk_insert(model: Any, fields: Sequence[str], rows: Iterable[Sequence[object]]) -> int:
    """Insert `rows` into `model`'s table; returns how many. Call inside the caller's transaction."""
    concrete = {f.name for f in model._meta.concrete_fields}
    stamps = [name for name in STAMPS if name in concrete and name not in fields]
    now = timezone.now()
    extra = (now,) * len(stamps)
    names = [*fields, *stamps]
    if connection.vendor == "postgresql":
        columns = ", ".join(connection.ops.quote_name(model._meta.get_field(n).column) for n in names)
        table = connection.ops.quote_name(model._meta.db_table)
        types = _binary_types(model, names)
        binary = " (FORMAT BINARY)" if types else ""
        count = 0
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY {table} ({columns}) FROM STDIN{binary}") as copy,
        ):
            if types:
                copy.set_types(types)
            write = copy.write_row
            for row in rows:
                write((*row, *extra))
                count += 1
        return count
    count = 0
    iterator = iter(rows)
    while batch := list(islice(iterator, BULK_BATCH)):
        model.objects.bulk_create([model(**dict(zip(names, (*row, *extra), strict=True))) for row in batch])
        count += len(batch)
    return count


def _binary_types(model: Any, names: Sequence[str]) -> list[str] | None:
    """The binary COPY types of the columns, or None when one is not a plain type."""
    types = []
    for name in names:
        db_type = model._meta.get_field(name).db_type(connection) or ""
        found = BINARY_TYPES.get(re.sub(r"\(.*\)", "", db_type).strip())
        if found is None:
            return None
        types.append(found)
    return types


def rows_by_key(
    model: Any, *, organization_id: int, key: str, keys: Sequence[str], columns: Sequence[str]
) -> Iterator[tuple]:
    """(key, *columns) of the organization's rows of `model` whose `key` is one of `keys`."""
    if connection.vendor != "postgresql":
        for start in range(0, len(keys), KEYS_PER_QUERY):
            yield from model.objects.filter(
                organization_id=organization_id, **{f"{key}__in": keys[start : start + KEYS_PER_QUERY]}
            ).values_list(key, *columns)
        return
    quote = connection.ops.quote_name
    names = ", ".join(quote(model._meta.get_field(n).column) for n in (key, *columns))
    table, key_column = quote(model._meta.db_table), quote(model._meta.get_field(key).column)
    # Only quoted names of the model's own table and columns are put into the text.
    sql = f"SELECT {names} FROM {table} WHERE organization_id = %s AND {key_column} = ANY(%s)"  # noqa: S608
    with connection.cursor() as cursor:
        for start in range(0, len(keys), KEYS_PER_QUERY_PG):
            cursor.execute(sql, [organization_id, list(keys[start : start + KEYS_PER_QUERY_PG])])
            yield from cursor.fetchall()
