"""One-shot database faults the real-worker tests arm inside the worker process.

The worker imports this module (`celery worker --include tests.celery.faults`); no application
code knows about it. A test arms a fault by writing a file into the directory named by
REVOPS_TEST_FAULTS_DIR: the file's text is a piece of SQL, and the first query of the worker
that contains it consumes the file and fails with the error a dropped connection gives
(`OperationalError`), inside whatever transaction the query ran in.
"""

from __future__ import annotations

import os
from pathlib import Path

from celery.signals import task_prerun
from django.db import OperationalError, connection

FAULTS_DIR_ENV = "REVOPS_TEST_FAULTS_DIR"
INJECTED = "server closed the connection unexpectedly (fault {name} armed by the test)"


def fault_arm(directory: Path, *, name: str, sql_containing: str) -> Path:
    """Make the worker's next query containing `sql_containing` fail once; the armed file."""
    path = directory / name
    path.write_text(sql_containing)
    return path


def _fail_armed_query(execute, sql, params, many, context):
    directory = os.environ.get(FAULTS_DIR_ENV)
    if directory:
        for armed in sorted(Path(directory).iterdir()):
            if armed.read_text() not in sql:
                continue
            try:
                armed.unlink()  # one shot: the retry's query goes through
            except FileNotFoundError:
                continue
            raise OperationalError(INJECTED.format(name=armed.name))
    return execute(sql, params, many, context)


@task_prerun.connect
def _install(**kwargs) -> None:
    if _fail_armed_query not in connection.execute_wrappers:
        connection.execute_wrappers.append(_fail_armed_query)
