"""Bulk inserts of plain rows: COPY on PostgreSQL, one prepared INSERT on other databases.

For imports and postings of many rows, where building a model instance per row and Django's
per-value preparation cost more than the database's own work. Rows are tuples of Python
values in `fields` order (Decimal, date, str, int, None); psycopg adapts them for COPY. The
model's `created_at` and `updated_at` are filled with one timestamp when not given.

On PostgreSQL the rows stream through one COPY, in PostgreSQL's binary format when every
column has a plain type (numbers, text, dates, timestamps, booleans): no value is printed as
text for the server to parse back. The iterable must not use the database connection while it
is consumed (no queries, no progress writes).

Elsewhere (SQLite) the rows go through one prepared `INSERT` run with `executemany`, the values
prepared per column as `bulk_create` prepares them (`get_db_prep_save`; integers, text,
floats and booleans pass as they are) but without a model instance per row.

On both, columns a row does not give are filled as the ORM fills them: the model field's
default (a callable default is called per row) and the insert's timestamp for `auto_now` and
`auto_now_add`; columns with a database default, or whose default is None, are left to the
database.

`rows_by_key` reads the rows whose key is one of many thousands of keys, for imports that
match a file's rows to what is stored.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import Any

from django.db import connection, connections
from django.db.models import NOT_PROVIDED
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


def bulk_insert(
    model: Any, fields: Sequence[str], rows: Iterable[Sequence[object]], *, as_given: bool = False
) -> int:
    """Insert `rows` into `model`'s table; returns how many. Call inside the caller's transaction.

    `as_given`: every given column is written as given, `auto_now` ones included (a restore
    keeps the source's times); otherwise those are stamped with the insert's time.
    """
    conn = connections[connection.alias]  # the wrapper itself: the proxy costs a lookup per use
    meta = model._meta
    concrete = {f.name for f in meta.concrete_fields}
    stamps = [name for name in STAMPS if name in concrete and name not in fields]
    now = timezone.now()
    names = [*fields, *stamps]
    given = [meta.get_field(n) for n in names]
    defaults = _Defaults(model, {f.name for f in given}, now, conn)
    extra = (now,) * len(stamps)
    if conn.vendor == "postgresql":
        quote = conn.ops.quote_name
        columns = ", ".join(quote(f.column) for f in [*given, *defaults.fields])
        types = _binary_types([*given, *defaults.fields])
        binary = " (FORMAT BINARY)" if types else ""
        count = 0
        with (
            conn.wrap_database_errors,  # the driver's errors as Django's (IntegrityError, ...)
            conn.cursor() as cursor,
            cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN{binary}") as copy,
        ):
            if types:
                copy.set_types(types)
            write = copy.write_row
            if defaults.fields:
                for row in rows:
                    write((*row, *extra, *defaults.row()))
                    count += 1
            else:
                for row in rows:
                    write((*row, *extra))
                    count += 1
        return count
    return _insert_many(meta, given, defaults, rows, extra, now, conn, as_given=as_given)


class _Defaults:
    """The columns a row does not give that the ORM would fill: model defaults and `auto_now`.

    Columns whose default is None, and columns with a database default, are left to the
    database, as a COPY or an INSERT without them always did.
    """

    def __init__(self, model: Any, given: set[str], now: object, conn: Any) -> None:
        self.fields: list[Any] = []
        self.fixed: list[object] = []
        self.per_row: list[tuple[int, Any]] = []
        self.conn = conn
        for field in model._meta.concrete_fields:
            if field.name in given or (field.primary_key and field.get_internal_type().endswith("AutoField")):
                continue
            if getattr(field, "db_default", NOT_PROVIDED) is not NOT_PROVIDED:
                continue
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                value: object = now
            elif field.has_default() and callable(field.default):
                self.per_row.append((len(self.fields), field))
                value = None
            else:
                value = field.get_default()
                if value is None:
                    continue
            self.fields.append(field)
            self.fixed.append(self._prepared(field, value))

    def _prepared(self, field: Any, value: object) -> object:
        if self.conn.vendor == "postgresql" and field.get_internal_type() != "JSONField":
            return value  # psycopg adapts Python values for COPY
        return field.get_db_prep_save(value, self.conn)

    def row(self) -> list[object]:
        """The values of one row (a callable default is called for each row)."""
        values = list(self.fixed)
        for at, field in self.per_row:
            values[at] = self._prepared(field, field.get_default())
        return values


# Internal field types whose Python values (int, str, float, bool, None) the driver takes as
# they are: preparing them would only cost time.
PLAIN_TYPES = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "SmallAutoField",
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
        "PositiveBigIntegerField",
        "PositiveSmallIntegerField",
        "CharField",
        "TextField",
        "SlugField",
        "EmailField",
        "FloatField",
        "BooleanField",
    }
)


def _insert_many(
    meta: Any,
    given: list[Any],
    defaults: _Defaults,
    rows: Iterable[Sequence[object]],
    extra: tuple,
    now: object,
    conn: Any,
    *,
    as_given: bool = False,
) -> int:
    """`rows` (values of `given`, then `extra`) through one prepared INSERT per batch."""
    prepare = [_preparer(field, conn, now, as_given=as_given) for field in given]
    quote = conn.ops.quote_name
    columns = [f.column for f in [*given, *defaults.fields]]
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )

    def prepared(row: Sequence[object]) -> tuple:
        values = [v if p is None else p(v) for v, p in zip((*row, *extra), prepare, strict=True)]
        return (*values, *defaults.row())

    count = 0
    iterator = iter(rows)
    with conn.cursor() as cursor:
        while batch := list(islice(iterator, BULK_BATCH)):
            cursor.executemany(sql, [prepared(row) for row in batch])
            count += len(batch)
    return count


def _preparer(field: Any, conn: Any, now: object, *, as_given: bool = False) -> Callable[[Any], Any] | None:
    """How one given column's values are prepared for the driver; None when they pass as they are."""
    internal = field.get_internal_type()
    if not as_given and (getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)):
        stamp = field.get_db_prep_save(now, conn)
        return lambda _value: stamp
    if internal == "DateTimeField":
        adapt = conn.ops.adapt_datetimefield_value

        def datetime_value(value: Any) -> Any:
            # aware values (as Django stores them) need only the backend's adaptation
            if value is None or timezone.is_aware(value):
                return adapt(value)
            return field.get_db_prep_save(value, conn)

        return datetime_value
    if internal in PLAIN_TYPES or (
        field.is_relation and field.target_field.get_internal_type() in PLAIN_TYPES
    ):
        return None
    return lambda value: field.get_db_prep_save(value, conn)


def _binary_types(fields: Sequence[Any]) -> list[str] | None:
    """The binary COPY types of the columns, or None when one is not a plain type."""
    types = []
    for field in fields:
        db_type = field.db_type(connection) or ""
        found = BINARY_TYPES.get(re.sub(r"\(.*\)", "", db_type).strip())
        if found is None:
            return None
        types.append(found)
    return types


class IdPool:
    """New primary keys for rows inserted with their ids given (a restore remaps references).

    PostgreSQL: `take(n)` draws n values of the table's sequence in one statement, safe beside
    concurrent inserts. SQLite: the ids follow the table's largest id (and its AUTOINCREMENT
    counter), read once; the caller's transaction holds SQLite's single write lock, and the
    pool counts on from what it handed out, so ids taken before their rows are written never
    repeat.
    """

    def __init__(self, model: Any) -> None:
        self.model = model
        self.next: int | None = None

    def take(self, count: int) -> list[int]:
        if count <= 0:
            return []
        meta = self.model._meta
        quote = connection.ops.quote_name
        table, pk = meta.db_table, meta.pk.column
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [quote(table), pk, count],
                )
                return sorted(row[0] for row in cursor.fetchall())
            if self.next is None:
                # names come from model metadata; nothing from outside is put into the text
                cursor.execute(f"SELECT MAX({quote(pk)}) FROM {quote(table)}")  # noqa: S608
                largest = cursor.fetchone()[0] or 0
                cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_sequence'")
                if cursor.fetchone():
                    cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
                    found = cursor.fetchone()
                    largest = max(largest, found[0] if found else 0)
                self.next = largest + 1
        first = self.next
        self.next += count
        return list(range(first, first + count))


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


class ReadAlongside:
    """A read on this transaction's connection, run by a worker thread while this thread
    computes without the database (PostgreSQL; elsewhere the read runs at `result`).

    For a big job whose first steps are a read the server spends seconds on and a computation
    Python spends seconds on, neither needing the other: the server reads while Python
    computes. `read(cursor)` runs the read's statements and returns its value; on PostgreSQL
    it gets a cursor of the same psycopg connection in the worker thread, so it sees this
    transaction, and psycopg's connection lock makes any other use of the connection wait for
    it, never interleave. Compile any queryset's SQL before: Django's connection objects
    belong to their thread. Use it as a context manager: leaving the block waits for the
    worker, so an error in the block never leaves a read running on a connection about to
    roll back. `result()` returns the value or raises the read's error.
    """

    def __init__(self, read: Callable[[Any], Any]):
        self._read = read
        self._thread: threading.Thread | None = None
        self._done = False
        self._value: Any = None
        self._error: BaseException | None = None

    def __enter__(self) -> ReadAlongside:
        if connection.vendor == "postgresql":
            connection.ensure_connection()
            raw = connection.connection
            self._thread = threading.Thread(
                # Django's wrapper turns psycopg's errors into Django's, as on this thread
                target=self._run,
                args=(raw, connection.wrap_database_errors),
                name="read-alongside",
                daemon=True,
            )
            self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._join()

    def _run(self, raw: Any, wrap_errors: Any) -> None:
        try:
            with wrap_errors, raw.cursor() as cursor:
                self._value = self._read(cursor)
        except BaseException as exc:  # handed to the thread that asks for the result
            self._error = exc
        self._done = True

    def _join(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def result(self) -> Any:
        self._join()
        if not self._done:
            with connection.cursor() as cursor:
                self._value = self._read(cursor)
            self._done = True
        if self._error is not None:
            raise self._error
        return self._value
