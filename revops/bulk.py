"""Bulk inserts of plain rows: COPY on PostgreSQL, bulk_create on other databases.

For imports and postings of many rows, where building a model instance per row and Django's
per-value preparation cost more than the database's own work. Rows are tuples of Python
values in `fields` order (Decimal, date, str, int, None); psycopg adapts them for COPY. The
model's `created_at` and `updated_at` are filled with one timestamp when not given.

On PostgreSQL the rows stream through one COPY: the iterable must not use the database
connection while it is consumed (no queries, no progress writes).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import islice
from typing import Any

from django.db import connection
from django.utils import timezone

BULK_BATCH = 2000  # rows per bulk_create statement (Django splits further to parameter limits)
STAMPS = ("created_at", "updated_at")


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
        count = 0
        with connection.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row((*row, *extra))
                count += 1
        return count
    count = 0
    iterator = iter(rows)
    while batch := list(islice(iterator, BULK_BATCH)):
        model.objects.bulk_create([model(**dict(zip(names, (*row, *extra), strict=True))) for row in batch])
        count += len(batch)
    return count
