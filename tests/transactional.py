"""Fixtures for tests that commit (a real worker, a live server) on append-only tables.

`transactional_db` empties every table after the test, but the append-only triggers refuse
DELETE and TRUNCATE on the audit trail and the ledgers. `flushable_db` keeps the triggers in
force during the test and lifts them only for that cleanup: on SQLite it drops them after the
test and re-creates them before the next one (and at the end of the session); on PostgreSQL
it switches triggers off for the cleaning connection (session_replication_role, superuser).
"""

from __future__ import annotations

import pytest
from django.db import connection

from revops.ledger import APPEND_ONLY_MESSAGE


def _sqlite_triggers() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND sql LIKE %s",
            [f"%{APPEND_ONLY_MESSAGE}%"],
        )
        return dict(cursor.fetchall())


def _sqlite_restore(triggers: dict[str, str]) -> None:
    present = _sqlite_triggers()
    with connection.cursor() as cursor:
        for name, sql in triggers.items():
            if name not in present:
                cursor.execute(sql)


@pytest.fixture(scope="session")
def append_only_triggers(django_db_setup, django_db_blocker):
    """The append-only trigger definitions (SQLite), re-installed when the session ends."""
    with django_db_blocker.unblock():
        triggers = _sqlite_triggers() if connection.vendor == "sqlite" else {}
    yield triggers
    if triggers:
        with django_db_blocker.unblock():
            _sqlite_restore(triggers)


@pytest.fixture
def flushable_db(append_only_triggers, transactional_db):
    """`transactional_db` whose end-of-test cleanup may delete append-only rows."""
    if connection.vendor == "sqlite":
        _sqlite_restore(append_only_triggers)
    else:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")
    yield
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in append_only_triggers:
                cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')
        else:
            cursor.execute("SET session_replication_role = replica")
