"""Append entries prepared in bulk: a big posting's rows as text bodies, sums and id sets.

`revops.ledger.writer.ledger_append` takes one tuple per row and does the per-row work itself
(texts, totals, references). For a big posting (a whole book posted at once) the caller can do
that work over whole slices with numpy instead and hand over `EntryBatch`es:

- `bodies`: per entry, the text its hash covers after the sequence — `entry_body` from the
  period on, "period|kind|corrects|amount|own fields", None as "" (`chain.chain_bodies`);
- `binary` (optional, all batches or none): the same bodies' fields in PostgreSQL's binary
  COPY form (`revops.ledger.binary`), one byte string per entry; on PostgreSQL the rows are
  then sent in binary, which the server stores without parsing text back;
- `totals`: the batch's sums per totals key, {key: [entries, cents]};
- `references`: per reference column (and "period_id"), the distinct ids the batch cites.

The kit chains the bodies and streams them through ONE COPY for the whole posting, with '|'
as the delimiter and '' as NULL, so a body is its own COPY text (no second formatting), or in
binary when the batches carry it; the batches come from an iterator, so the caller computes
the next batch while the server inserts this one. The references are checked when the COPY is done, before anything else
moves (a refused posting rolls back whole, as the caller's transaction does); then the head
row, the totals and the ledger's side tables (the caller's `side_tables`, from the rows it
had at hand) move in the same transaction.

Only for ledgers whose own fields are ids, codes and numbers: never an empty string, never
holding '|', a backslash, a tab or a newline (the attribution ledger's; `entry_texts` there
relies on the same). Elsewhere than PostgreSQL the bodies are split back into values and
written with bulk_create, so both paths store the same rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.utils import timezone
from psycopg.copy import QueuedLibpqWriter

from revops.ledger import binary as pg_binary
from revops.ledger.chain import chain_bodies, chain_digests, current_key, hmac_states
from revops.ledger.locks import lock_ledger
from revops.ledger.spec import LedgerSpec
from revops.ledger.writer import (
    BASE_COLUMNS,
    BULK_BATCH,
    WRITE_BATCH,
    CopySink,
    add_totals,
    analyze_after_big_posting,
    check_reference_sets,
)
from revops.models import LedgerHead

SIDE_TABLES_REQUIRED = (
    "Ledger {name!r} keeps side tables: pass side_tables to write them from the rows at hand."
)
# The COPY columns of a prepared line: what the chain loop writes, then the body, then the
# constants of the posting (formatted once).
HEAD_COLUMNS = ("sequence", "prev_hash", "hash")
BODY_BASE_COLUMNS = ("period_id", "kind", "corrects_id", "amount")
TAIL_COLUMNS = ("organization_id", "key_id", "created_at", "created_by_id")


@dataclass
class EntryBatch:
    """Entries of a posting, prepared in bulk (see the module docstring)."""

    bodies: list[str]
    totals: dict[tuple, list[int]] = field(default_factory=dict)
    references: dict[str, Any] = field(default_factory=dict)  # column → distinct ids (set or array)
    binary: list[bytes] | None = None  # the bodies' fields in binary COPY form (see the module docstring)


def _copy_text(value: str) -> str:
    """A constant as COPY text with '|' as the delimiter."""
    return value.replace("\\", "\\\\").replace("|", "\\|").replace("\t", "\\t").replace("\n", "\\n")


def _merge_ids(collected: dict[str, list], references: dict[str, Any]) -> None:
    for column, ids in references.items():
        collected.setdefault(column, []).append(np.asarray(list(ids) if isinstance(ids, set) else ids))


def ledger_append_prepared(
    *,
    spec: LedgerSpec,
    organization_id: int,
    batches: Iterable[EntryBatch],
    created_by_id: int | None = None,
    side_tables: Callable[[], None] | None = None,
    use_copy: bool | None = None,
) -> int:
    """Chain and write prepared batches after the ledger's head; returns how many entries.

    Takes the ledger lock (the caller's transaction or its own). Nothing may be sent on the
    connection while the batches are produced: the caller reads what it needs first.
    `side_tables` writes the ledger's side tables (`LedgerSpec.after_append` is for row
    postings), called after the entries are written, in the same transaction.
    """
    if spec.after_append is not None and side_tables is None:
        raise ValueError(SIDE_TABLES_REQUIRED.format(name=spec.name))
    if use_copy is None:
        use_copy = connection.vendor == "postgresql"
    with transaction.atomic():
        head = lock_ledger(organization_id=organization_id, ledger=spec.name)
        created_at = timezone.now()
        key_id, key = current_key()
        states = hmac_states(key)
        sink = (_PreparedCopy if use_copy else _PreparedBulk)(
            spec, organization_id, key_id, created_at, created_by_id
        )
        sequence, prev_hash = head.last_sequence, head.last_hash
        totals: dict[tuple, list[int]] = {}
        collected: dict[str, list] = {}
        try:
            for batch in batches:
                binary = sink.binary(batch)
                for start in range(0, len(batch.bodies), WRITE_BATCH):
                    bodies = batch.bodies[start : start + WRITE_BATCH]
                    if binary is not None:
                        digests = chain_digests(states, key_id, organization_id, sequence, prev_hash, bodies)
                        sink.write_binary(sequence, prev_hash, digests, binary[start : start + WRITE_BATCH])
                        sequence += len(digests)
                        prev_hash = digests[-1] if digests else prev_hash
                        continue
                    lines, sequence, prev_hash = chain_bodies(
                        states, key_id, organization_id, sequence, prev_hash, bodies, sink.tail
                    )
                    sink.write(lines)
                for totals_key, (count, cents) in batch.totals.items():
                    total = totals.get(totals_key)
                    if total is None:
                        totals[totals_key] = [count, cents]
                    else:
                        total[0] += count
                        total[1] += cents
                _merge_ids(collected, batch.references)
            # While the server still inserts what is queued: the distinct references.
            ids = {
                column: set(np.unique(np.concatenate(parts)).tolist()) for column, parts in collected.items()
            }
        except BaseException as exc:
            sink.abort(exc)
            raise
        sink.flush()
        count = sequence - head.last_sequence
        if not count:
            return 0
        check_reference_sets(spec, organization_id, ids.pop("period_id", set()), ids, created_by_id)
        LedgerHead.objects.filter(pk=head.pk).update(
            last_sequence=sequence, last_hash=prev_hash, updated_at=created_at
        )
        if spec.totals_model is not None:
            add_totals(spec, organization_id, totals)
        if side_tables is not None:
            side_tables()
        analyze_after_big_posting(spec, count)
    return count


# A binary row's head: field count, then sequence, prev_hash and hash (64 hex characters each).
BINARY_HEAD = np.dtype(
    [
        ("fields", ">i2"),
        ("sequence", pg_binary.INT8),
        ("prev_length", ">i4"),
        ("prev_hash", "S64"),
        ("hash_length", ">i4"),
        ("hash", "S64"),
    ]
)
MIXED_BATCHES = "A prepared posting's batches must all carry binary bodies or none."


class _PreparedCopy(CopySink):
    """Lines through ONE COPY (delimiter '|', NULL ''), sent by psycopg's queued writer thread;
    or, when the batches carry binary bodies, rows in PostgreSQL's binary COPY format.

    Opened, aborted and finished as the row path's `CopySink`; only the text differs.
    """

    def __init__(
        self, spec: LedgerSpec, organization_id: int, key_id: str, created_at, created_by_id: int | None
    ):
        super().__init__(spec, organization_id, key_id, created_at, created_by_id)
        by = "" if created_by_id is None else str(created_by_id)
        self.tail = f"|{organization_id}|{_copy_text(key_id)}|{created_at.isoformat()}|{by}"
        self.binary_tail = b"".join(
            (
                pg_binary.int8_bytes(organization_id),
                pg_binary.text_bytes(key_id),
                pg_binary.timestamptz_bytes(created_at),
                pg_binary.int8_bytes(created_by_id),
            )
        )
        names = (*HEAD_COLUMNS, *BODY_BASE_COLUMNS, *spec.fields, *TAIL_COLUMNS)
        assert set(names) == {*BASE_COLUMNS, *spec.fields}
        self.field_count = len(names)
        self.columns = ", ".join(names)
        self.table = spec.entry_model._meta.db_table
        self.in_binary: bool | None = None  # decided by the first batch with entries

    def binary(self, batch: EntryBatch) -> list[bytes] | None:
        """The batch's binary bodies when the posting is sent in binary (else None)."""
        if not batch.bodies:
            return None
        in_binary = batch.binary is not None
        if self.in_binary is None:
            self.in_binary = in_binary
        elif self.in_binary != in_binary:
            raise ValueError(MIXED_BATCHES)
        return batch.binary

    def _open(self) -> None:
        self._cursor = connection.cursor()
        raw = self._cursor.cursor
        options = "FORMAT BINARY" if self.in_binary else "DELIMITER '|', NULL ''"
        # The worker thread sends one batch while this thread chains the next.
        sql = f"COPY {self.table} ({self.columns}) FROM STDIN WITH ({options})"
        self._context = raw.copy(sql, writer=QueuedLibpqWriter(raw))
        self._copy = self._context.__enter__()
        if self.in_binary:
            self._copy.write(pg_binary.SIGNATURE)

    def write(self, lines: list[str]) -> None:  # type: ignore[override]
        if not lines:
            return
        if self._copy is None:
            self._open()
        lines.append("")
        self._copy.write("\n".join(lines))

    def write_binary(self, sequence: int, prev_hash: str, digests: list[str], bodies: list[bytes]) -> None:
        """Rows after `sequence` (whose hash is `prev_hash`): head, binary body, tail."""
        if not digests:
            return
        if len(bodies) != len(digests):
            raise ValueError("A batch needs one binary body per entry.")
        if self._copy is None:
            self._open()
        head = np.zeros(len(digests), dtype=BINARY_HEAD)
        head["fields"] = self.field_count
        pg_binary.int8s(head["sequence"], np.arange(sequence + 1, sequence + 1 + len(digests)))
        hashes = np.frombuffer("".join(digests).encode("ascii"), dtype="S64")
        head["prev_length"] = head["hash_length"] = 64
        head["hash"] = hashes
        head["prev_hash"][0] = prev_hash.encode("ascii")
        head["prev_hash"][1:] = hashes[:-1]
        tail = self.binary_tail
        self._copy.write(
            b"".join(
                [part for pair in zip(pg_binary.rows(head), bodies, strict=True) for part in (*pair, tail)]
            )
        )

    def flush(self) -> None:
        if self._copy is not None and self.in_binary:
            self._copy.write(pg_binary.TRAILER)
        super().flush()


class _PreparedBulk:
    """Lines split back into values and written with bulk_create (databases without COPY)."""

    def __init__(
        self, spec: LedgerSpec, organization_id: int, key_id: str, created_at, created_by_id: int | None
    ):
        self.tail = ""
        self.model = spec.entry_model
        meta = self.model._meta
        names = (*HEAD_COLUMNS, *BODY_BASE_COLUMNS, *spec.fields)
        self.fields = [(name, meta.get_field(name)) for name in names]  # by attname too
        self.constants = {
            "organization_id": organization_id,
            "key_id": key_id,
            "created_at": created_at,
            "created_by_id": created_by_id,
        }

    def write(self, lines: list[str]) -> None:
        instances = []
        for line in lines:
            values = {}
            for (name, model_field), text in zip(self.fields, line.split("|"), strict=True):
                values[name] = None if text == "" else model_field.to_python(text)
            instances.append(self.model(**values, **self.constants))
        self.model.objects.bulk_create(instances, batch_size=BULK_BATCH)

    def binary(self, batch: EntryBatch) -> None:
        return None  # the text lines are split back into values

    def write_binary(self, sequence: int, prev_hash: str, digests: list[str], bodies: list[bytes]) -> None:
        raise AssertionError("binary rows are only sent over COPY")

    def abort(self, exc: BaseException) -> None:
        return None

    def flush(self) -> None:
        return None
