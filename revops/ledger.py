"""Append-only tables: database triggers that refuse UPDATE, DELETE (and TRUNCATE).

Used from migrations: `AppendOnly("app_table")`. The triggers are per vendor: PostgreSQL
gets a row trigger for UPDATE/DELETE and a statement trigger for TRUNCATE; SQLite gets
BEFORE UPDATE / BEFORE DELETE triggers (it has no TRUNCATE). The hash-chain helpers at the
end make a ledger tamper-evident.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import migrations

APPEND_ONLY_MESSAGE = "append-only table"

_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION revops_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '%: % on % refused', 'append-only table', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
"""


def append_only_sql(table: str, vendor: str, *, refuse_delete: bool = True) -> list[str]:
    """The statements that make `table` append-only on `vendor`."""
    ops = "UPDATE OR DELETE" if refuse_delete else "UPDATE"
    if vendor == "postgresql":
        return [
            _PG_FUNCTION,
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};",
            f"CREATE TRIGGER {table}_append_only BEFORE {ops} ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION revops_refuse_change();",
            f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION revops_refuse_change();",
        ]
    if vendor == "sqlite":
        statements = [
            f"DROP TRIGGER IF EXISTS {table}_no_update;",
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}: UPDATE on {table} refused'); END;",
        ]
        if refuse_delete:
            statements += [
                f"DROP TRIGGER IF EXISTS {table}_no_delete;",
                f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY_MESSAGE}: DELETE on {table} refused'); END;",
            ]
        return statements
    raise NotImplementedError(f"append-only triggers are not written for {vendor}")


def drop_append_only_sql(table: str, vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table};",
            f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};",
        ]
    return [f"DROP TRIGGER IF EXISTS {table}_no_update;", f"DROP TRIGGER IF EXISTS {table}_no_delete;"]


class AppendOnly(migrations.RunPython):
    """Migration operation: install the append-only triggers on `table`."""

    def __init__(self, table: str, *, refuse_delete: bool = True):
        self.table = table
        self.refuse_delete = refuse_delete

        def forwards(apps, schema_editor):
            for sql in append_only_sql(table, schema_editor.connection.vendor, refuse_delete=refuse_delete):
                schema_editor.execute(sql, params=None)

        def backwards(apps, schema_editor):
            for sql in drop_append_only_sql(table, schema_editor.connection.vendor):
                schema_editor.execute(sql, params=None)

        super().__init__(forwards, backwards)

    def deconstruct(self):
        return (self.__class__.__name__, [self.table], {"refuse_delete": self.refuse_delete})


# --- Hash chain -----------------------------------------------------------------------------
#
# Each ledger entry stores `prev_hash` (the hash of the entry before it in the same
# organization) and `hash` = sha256(prev_hash + "|" + canonical fields). Editing, deleting or
# inserting a row breaks the chain at that row, which `chain_verify` reports.

GENESIS_HASH = "0" * 64


def canonical_value(value: object) -> str:
    """One field as text: None → "", Decimal/int/str as written, dates ISO, dicts as sorted JSON."""
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def canonical_entry(values: Sequence[object]) -> str:
    """The canonical serialisation of an entry: its field values in a fixed order, "|"-joined."""
    return "|".join(canonical_value(v).replace("\\", "\\\\").replace("|", "\\|") for v in values)


def chain_hash(prev_hash: str, values: Sequence[object]) -> str:
    """sha256 hex digest of the previous hash chained to this entry's canonical fields."""
    return hashlib.sha256(f"{prev_hash}|{canonical_entry(values)}".encode()).hexdigest()


@dataclass(frozen=True)
class ChainBreak:
    """The first entry where the chain does not hold, and why."""

    sequence: int
    problem: str


def chain_verify(
    entries: Iterable[tuple[int, str, str, Sequence[object]]], *, start_sequence: int = 1
) -> ChainBreak | None:
    """Walk (sequence, prev_hash, hash, canonical values) in sequence order; None when intact.

    Checks, per entry: the sequence is the next one (a gap means a deleted row), prev_hash is
    the previous entry's hash, and the stored hash matches the recomputed one (an edited row).
    """
    expected_sequence = start_sequence
    prev = GENESIS_HASH
    for sequence, prev_hash, stored_hash, values in entries:
        if sequence != expected_sequence:
            return ChainBreak(
                expected_sequence, f"sequence {expected_sequence} is missing (next found: {sequence})"
            )
        if prev_hash != prev:
            return ChainBreak(sequence, "prev_hash does not match the previous entry's hash")
        if chain_hash(prev_hash, values) != stored_hash:
            return ChainBreak(sequence, "hash does not match the entry's fields (entry altered)")
        prev = stored_hash
        expected_sequence += 1
    return None
