"""Append-only tables: database triggers that refuse UPDATE, DELETE (and TRUNCATE).

Used from migrations: `AppendOnly("app_table")`. The triggers are per vendor: PostgreSQL
gets a row trigger for UPDATE/DELETE and a statement trigger for TRUNCATE; SQLite gets
BEFORE UPDATE / BEFORE DELETE triggers (it has no TRUNCATE).
"""

from __future__ import annotations

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
