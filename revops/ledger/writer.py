"""Append rows to a ledger: the one place entries are chained, checked and written.

A row is a plain tuple (`revops.ledger.spec.LedgerRow`), not a model instance: on big books
the per-row cost of building instances dominated. PostgreSQL receives the rows through one
`COPY ... FROM STDIN` (text format) per posting, WRITE_BATCH rows per write, sent by a worker
thread while the next batch is hashed; other databases (SQLite in tests and the embedded
default) with `bulk_create`. Before the first row is written, every
reference of the posting is checked once per distinct value (`_check_references`); nothing is
sent on the connection while a COPY is open. Big postings prepared in bulk by their caller
(text bodies, sums and id sets) go through `revops.ledger.prepared` instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from operator import itemgetter
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone
from psycopg.copy import QueuedLibpqWriter

from revops.exceptions import ApplicationError
from revops.ledger.chain import Linker, cents_text, chain_linker, current_key
from revops.ledger.locks import lock_ledger
from revops.ledger.spec import NULL, LedgerRow, LedgerSpec, Reference
from revops.models import FiscalPeriod, LedgerHead

POSTING_PERIOD_CLOSED = "Period {period} is closed; entries go to the first open period."
UNKNOWN_REFERENCE = "Unknown {what} {id} for this organization."
# Rows are handed to COPY (or bulk_create) this many at a time: one write of ~1.5 MB of text,
# big enough that per-call overhead vanishes, small enough that memory stays flat.
WRITE_BATCH = 10_000
# bulk_create's statement size on databases without COPY (under PostgreSQL's 65,535 bind
# parameters for 20 columns; SQLite's own limit is applied by Django).
BULK_BATCH = 2000
# Distinct ids per reference query on databases without arrays (SQLite's bound-variable limit).
IN_CHUNK = 900
# Totals keys per INSERT (9 values each: well under every database's bound-parameter limit).
TOTALS_BATCH = 500
# A posting this large changes the table's statistics enough to re-plan reads: ANALYZE after it
# (what autovacuum would do later) so the pages' first queries after a bulk post plan well.
ANALYZE_AFTER = 20_000

BASE_COLUMNS = (
    "organization_id",
    "sequence",
    "period_id",
    "kind",
    "corrects_id",
    "amount",
    "prev_hash",
    "hash",
    "key_id",
    "created_at",
    "created_by_id",
)


def _missing_ids(reference: Reference, organization_id: int, ids: set) -> list:
    """The ids of `ids` that are not rows of the reference's table (of this organization)."""
    model = reference.model
    table = model._meta.db_table
    pk = model._meta.pk.column
    if connection.vendor == "postgresql":
        org_clause = f" AND t.{reference.organization_field} = %s" if reference.organization_field else ""
        # One text literal, not a list psycopg dumps element by element (a big posting cites
        # hundreds of thousands of revenue events).
        params: list = ["{" + ",".join(map(str, sorted(ids))) + "}"]
        if reference.organization_field:
            params.append(organization_id)
        with connection.cursor() as cursor:
            # table and column names come from model metadata; values are bound
            cursor.execute(
                f"SELECT u.id FROM unnest(%s::text::bigint[]) AS u(id) "  # noqa: S608
                f"WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE t.{pk} = u.id{org_clause})",
                params,
            )
            return sorted(row[0] for row in cursor.fetchall())
    found: set = set()
    ordered = sorted(ids)
    manager = model._base_manager
    for start in range(0, len(ordered), IN_CHUNK):
        qs = manager.filter(pk__in=ordered[start : start + IN_CHUNK])
        if reference.organization_field:
            qs = qs.filter(**{reference.organization_field: organization_id})
        found.update(qs.values_list("pk", flat=True))
    return sorted(ids - found)


def _check_references(spec: LedgerSpec, organization_id: int, rows: list, created_by_id: int | None) -> None:
    """Refuse a posting in a closed or foreign period, or citing a row that is not the org's.

    Each distinct value is checked once, set-based, before anything is written; the entry
    table's columns carry no database foreign key (see revops.ledger.models.LedgerEntry).
    Safe without row locks: rows referenced are never deleted (PROTECT or append-only), and
    period_close seals under the ledger lock the caller holds.
    """
    ids_by_column = {}
    for reference in spec.references:
        index = 4 + spec.fields.index(reference.column)
        ids_by_column[reference.column] = {r[index] for r in rows}
    check_reference_sets(spec, organization_id, {r[0] for r in rows}, ids_by_column, created_by_id)


def check_reference_sets(
    spec: LedgerSpec,
    organization_id: int,
    periods: set,
    ids_by_column: dict[str, set],
    created_by_id: int | None,
) -> None:
    """`_check_references` given each column's distinct values (posting periods, references)."""
    found = {p.pk: p for p in FiscalPeriod.objects.filter(organization_id=organization_id, pk__in=periods)}
    for period_id in sorted(periods):
        period = found.get(period_id)
        if period is None:
            raise ApplicationError(UNKNOWN_REFERENCE.format(what="period", id=period_id))
        if period.is_closed:
            raise ApplicationError(POSTING_PERIOD_CLOSED.format(period=period))
    for reference in spec.references:
        ids = set(ids_by_column.get(reference.column, ()))
        ids.discard(None)
        if ids:
            missing = _missing_ids(reference, organization_id, ids)
            if missing:
                what = reference.column.removesuffix("_id").replace("_", " ")
                raise ApplicationError(UNKNOWN_REFERENCE.format(what=what, id=missing[0]))
    if created_by_id is not None and not get_user_model()._base_manager.filter(pk=created_by_id).exists():
        raise ApplicationError(UNKNOWN_REFERENCE.format(what="user", id=created_by_id))


def ledger_append(
    *,
    spec: LedgerSpec,
    organization_id: int,
    rows: Iterable[LedgerRow],
    created_by_id: int | None = None,
    use_copy: bool | None = None,
) -> int:
    """Chain and write `rows` after the ledger's head; returns how many were appended.

    Takes the ledger lock (its head row) in the caller's transaction, or its own; refuses
    the whole posting when one row is refused (nothing is written); moves the head and the
    ledger's totals table in the same transaction. `use_copy` defaults to "on PostgreSQL";
    tests force either path to prove both chain alike.
    """
    if use_copy is None:
        use_copy = connection.vendor == "postgresql"
    rows = rows if isinstance(rows, list) else list(rows)
    with transaction.atomic():
        head = lock_ledger(organization_id=organization_id, ledger=spec.name)
        if not rows:
            return 0
        _check_references(spec, organization_id, rows, created_by_id)
        created_at = timezone.now()
        first = head.last_sequence
        key_id, key = current_key()
        sink_class = CopySink if use_copy else _BulkSink
        sink = sink_class(spec, organization_id, key_id, created_at, created_by_id)
        link = chain_linker(key, key_id, organization_id)
        sequence, prev_hash = _chain(spec, link, head, rows, sink)
        LedgerHead.objects.filter(pk=head.pk).update(
            last_sequence=sequence, last_hash=prev_hash, updated_at=created_at
        )
        if spec.totals_model is not None:
            add_totals(spec, organization_id, _totals_of(spec, rows))
        if spec.after_append is not None:
            spec.after_append(organization_id, first)
        analyze_after_big_posting(spec, len(rows))
    return sequence - first


def analyze_after_big_posting(spec: LedgerSpec, count: int) -> None:
    """ANALYZE the ledger's tables after a posting of ANALYZE_AFTER rows or more (after commit)."""
    if connection.vendor == "postgresql" and count >= ANALYZE_AFTER:
        # The totals and side tables too: their plans (the pages' filter choices join them)
        # went from milliseconds to seconds on statistics taken before a bulk posting.
        for model in (spec.entry_model, spec.totals_model, *spec.side_models):
            if model is not None:
                _analyze_after_commit(model._meta.db_table)


def _analyze_after_commit(table: str) -> None:
    """ANALYZE the table once after the posting's transaction commits, not inside it.

    ANALYZE takes a lock that conflicts with itself and holds it to the end of the
    transaction: run inside a long posting it would make another organization's posting
    (and autovacuum) wait for this one to commit.
    """
    if any(getattr(entry[1], "ledger_analyze", None) == table for entry in connection.run_on_commit):
        return

    def analyze() -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")

    analyze.ledger_analyze = table  # type: ignore[attr-defined]
    transaction.on_commit(analyze)


def _chain(spec: LedgerSpec, link: Linker, head: LedgerHead, rows: list, sink) -> tuple[int, str]:
    """Hash every row after the head and hand them to the sink; returns the new (sequence, hash).

    Rows go to the sink WRITE_BATCH at a time as (row, sequence, amount text, prev_hash, hash,
    own fields' COPY text), so the sink formats a whole batch in one comprehension.
    """
    texts = spec.texts
    sequence, prev_hash = head.last_sequence, head.last_hash
    batch: list[tuple] = []
    append = batch.append
    try:
        for row in rows:
            own_hash, own_copy = texts(row[4:])
            sequence += 1
            amount = cents_text(row[3])
            digest = link(prev_hash, sequence, row[0], row[1], row[2], amount, own_hash)
            append((row, sequence, amount, prev_hash, digest, own_copy))
            prev_hash = digest
            if len(batch) >= WRITE_BATCH:
                sink.write(batch)
                batch.clear()
        if batch:
            sink.write(batch)
    except BaseException as exc:
        sink.abort(exc)
        raise
    sink.flush()
    return sequence, prev_hash


class CopySink:
    """Rows as COPY text lines, streamed through ONE COPY statement for the whole posting.

    The statement is opened at the first batch and finished by the last flush (`_chain`
    calls flush once at the end), so PostgreSQL parses and inserts one batch while Python
    hashes the next. Nothing else is sent on the connection while it is open: every query the
    posting needs runs before the chain (references) or after it (head, totals).
    """

    def __init__(
        self, spec: LedgerSpec, organization_id: int, key_id: str, created_at, created_by_id: int | None
    ):
        by = NULL if created_by_id is None else str(created_by_id)
        # The constant parts of every line, formatted once.
        self.head = f"{organization_id}\t"
        self.stamp = f"\t{key_id}\t{created_at.isoformat()}\t{by}\t"
        columns = ", ".join((*BASE_COLUMNS, *spec.fields))
        self.sql = f"COPY {spec.entry_model._meta.db_table} ({columns}) FROM STDIN"
        self._cursor: Any = None
        self._context: Any = None  # psycopg's copy() context manager, open while the COPY is
        self._copy: Any = None

    def write(self, batch: list[tuple]) -> None:
        head, stamp = self.head, self.stamp
        text = "".join(
            [
                f"{head}{sequence}\t{row[0]}\t{row[1]}\t{NULL if row[2] is None else row[2]}\t{amount}"
                f"\t{prev_hash}\t{digest}{stamp}{own_copy}\n"
                for row, sequence, amount, prev_hash, digest, own_copy in batch
            ]
        )
        if self._copy is None:
            self._cursor = connection.cursor()
            raw = self._cursor.cursor
            # A queued writer: a worker thread sends the text to the server while this thread
            # hashes and formats the next batch (psycopg releases the GIL while it waits on the
            # socket), instead of each write blocking until the server has taken the batch.
            self._context = raw.copy(self.sql, writer=QueuedLibpqWriter(raw))
            self._copy = self._context.__enter__()
        self._copy.write(text)

    def abort(self, exc: BaseException) -> None:
        """Cancel an open COPY (the server discards it), so the transaction can roll back."""
        if self._context is not None:
            context, cursor = self._context, self._cursor
            self._context = self._copy = self._cursor = None
            try:
                context.__exit__(type(exc), exc, exc.__traceback__)
            finally:
                cursor.close()

    def flush(self) -> None:
        """Finish the COPY (the end of the posting): wait until the server has every row."""
        if self._context is not None:
            context, cursor = self._context, self._cursor
            self._context = self._copy = self._cursor = None
            try:
                context.__exit__(None, None, None)
            finally:
                cursor.close()


class _BulkSink:
    """Rows as model instances, written with bulk_create (databases without COPY)."""

    def __init__(
        self, spec: LedgerSpec, organization_id: int, key_id: str, created_at, created_by_id: int | None
    ):
        self.model = spec.entry_model
        meta = self.model._meta
        self.own: Sequence = [(meta.get_field(name.removesuffix("_id")), name) for name in spec.fields]
        self.organization_id = organization_id
        self.key_id = key_id
        self.created_at = created_at
        self.created_by_id = created_by_id

    def write(self, batch: list[tuple]) -> None:
        instances = []
        for row, sequence, amount, prev_hash, digest, _ in batch:
            own = {}
            for (field, name), value in zip(self.own, row[4:], strict=True):
                own[name] = value if field.is_relation else field.to_python(value)
            instances.append(
                self.model(
                    organization_id=self.organization_id,
                    sequence=sequence,
                    period_id=row[0],
                    kind=row[1],
                    corrects_id=row[2],
                    amount=amount,
                    prev_hash=prev_hash,
                    hash=digest,
                    key_id=self.key_id,
                    created_at=self.created_at,
                    created_by_id=self.created_by_id,
                    **own,
                )
            )
        self.model.objects.bulk_create(instances, batch_size=BULK_BATCH)

    def flush(self) -> None:
        pass

    def abort(self, exc: BaseException) -> None:
        pass


def _totals_of(spec: LedgerSpec, rows: list) -> dict[tuple, list[int]]:
    """{totals key: [entries, cents]} of the rows, summed in Python (one dict update per row)."""
    positions = []
    for name in spec.totals_fields:
        base = {"period_id": 0, "kind": 1}
        positions.append(base[name] if name in base else 4 + spec.fields.index(name))
    key_of = itemgetter(*positions) if len(positions) > 1 else (lambda r, p=positions[0]: (r[p],))
    sums: dict[tuple, list[int]] = {}
    for row in rows:
        key = key_of(row)
        total = sums.get(key)
        if total is None:
            sums[key] = [1, row[3]]
        else:
            total[0] += 1
            total[1] += row[3]
    return sums


def add_totals(spec: LedgerSpec, organization_id: int, sums: dict[tuple, list[int]]) -> None:
    """Add the sums of the rows just appended to the ledger's totals table, in the posting's transaction.

    The sums ({totals key: [entries, cents]}) are taken while the rows are at hand and written
    with one INSERT ... ON CONFLICT DO UPDATE (per TOTALS_BATCH keys on SQLite), so the totals
    always equal the sums of the entries and reads that need only sums per key never scan the
    entries. Amounts are integer cents (exact on every database).
    """
    assert spec.totals_model is not None  # callers check the ledger keeps totals
    if not sums:
        return
    if connection.vendor == "postgresql":
        _add_totals_unnest(spec, organization_id, sums)
        return
    table = spec.totals_model._meta.db_table
    keys = ", ".join(("organization_id", *spec.totals_fields))
    width = len(spec.totals_fields) + 3
    items = list(sums.items())
    with connection.cursor() as cursor:
        for start in range(0, len(items), TOTALS_BATCH):
            chunk = items[start : start + TOTALS_BATCH]
            values = ", ".join(["(" + ", ".join(["%s"] * width) + ")"] * len(chunk))
            params: list = []
            for key, (count, cents) in chunk:
                params += [organization_id, *key, count, cents]
            # table and column names come from the spec; values are bound
            cursor.execute(
                f"INSERT INTO {table} ({keys}, entries, amount_cents) VALUES {values} "  # noqa: S608
                f"ON CONFLICT ({keys}) DO UPDATE SET entries = {table}.entries + excluded.entries, "
                f"amount_cents = {table}.amount_cents + excluded.amount_cents",
                params,
            )


def _add_totals_unnest(spec: LedgerSpec, organization_id: int, sums: dict[tuple, list[int]]) -> None:
    """`_add_totals` on PostgreSQL: every key in one statement, one array parameter per column.

    A VALUES list of thousands of placeholders is parsed by the client library on every call
    (a big posting's 26,000 keys cost seconds there); arrays keep the statement a few hundred
    bytes, whatever the number of keys.
    """
    assert spec.totals_model is not None
    meta = spec.totals_model._meta
    table = meta.db_table
    keys = ", ".join(("organization_id", *spec.totals_fields))
    columns = [*spec.totals_fields, "entries", "amount_cents"]
    types = [meta.get_field(name.removesuffix("_id")).db_type(connection) for name in spec.totals_fields]
    types += [
        meta.get_field("entries").db_type(connection),
        meta.get_field("amount_cents").db_type(connection),
    ]
    arrays: list[list] = [[] for _ in columns]
    for key, (count, cents) in sums.items():
        for i, value in enumerate((*key, count, cents)):
            arrays[i].append(value)
    # Each column as one array literal (text): psycopg would check every element of a list
    # parameter on its own (a big posting has tens of thousands of keys).
    literals = [array_literal(values) for values in arrays]
    unnest = ", ".join(f"%s::text::{t.split('(')[0]}[]" for t in types)
    names = ", ".join(f"u{i}" for i in range(len(columns)))
    with connection.cursor() as cursor:
        # table, column names and types come from the spec and model metadata; values are bound
        cursor.execute(
            f"INSERT INTO {table} ({keys}, entries, amount_cents) "  # noqa: S608
            f"SELECT %s, {names} FROM unnest({unnest}) AS u({names}) "
            f"ON CONFLICT ({keys}) DO UPDATE SET entries = {table}.entries + excluded.entries, "
            f"amount_cents = {table}.amount_cents + excluded.amount_cents",
            [organization_id, *literals],
        )


def array_literal(values: Iterable) -> str:
    """A PostgreSQL array literal of ints (bare) or strings (quoted, escaped); None is NULL."""
    values = list(values)
    if all(type(value) is int for value in values):
        return "{" + ",".join(map(str, values)) + "}"
    parts = []
    for value in values:
        if value is None:
            parts.append("NULL")
        elif isinstance(value, int):
            parts.append(str(value))
        else:
            text = str(value).replace("\\", "\\\\").replace('"', '\\"')
            parts.append(f'"{text}"')
    return "{" + ",".join(parts) + "}"
