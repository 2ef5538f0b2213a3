"""A real Celery worker (subprocess) on a Redis test database, sharing the test database.

The worker is started once per session with the test process's database: a file SQLite
database (run with TEST_SQLITE_PATH) or the PostgreSQL test database. Tests use
`transactional_db` so the worker sees committed rows.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from django.conf import settings as django_settings
from django.db import connections

from revops.celery import Queue, app
from tests.celery.faults import FAULTS_DIR_ENV
from tests.celery.harness import database_env, reset_broker_connections
from tests.transactional import append_only_triggers, flushable_db  # noqa: F401 - fixtures

BROKER_URL = os.environ.get("CELERY_TEST_BROKER_URL", "redis://127.0.0.1:6379/15")
READY_TIMEOUT_SECONDS = 40


@dataclass
class Worker:
    process: subprocess.Popen
    log_path: Path
    media_root: Path
    faults_dir: Path  # see tests/celery/faults.py

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_for_log(self, *needles: str, timeout: float = 30) -> str:
        """Wait until every needle appears in one log line each; the log so far."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log()
            if all(needle in text for needle in needles):
                return text
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"worker log lacks {needles!r}:\n{self.log()}")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def redis_broker():
    client = redis.Redis.from_url(BROKER_URL)
    client.ping()
    client.flushdb()
    yield BROKER_URL
    client.flushdb()
    client.close()


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, redis_broker, tmp_path_factory):
    base = tmp_path_factory.mktemp("celery")
    media_root = base / "media"
    media_root.mkdir()
    log_path = base / "worker.log"
    faults_dir = base / "faults"
    faults_dir.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "revops.settings.test",
        "CELERY_BROKER_URL": redis_broker,
        "DJANGO_MEDIA_ROOT": str(media_root),
        "PYTHONUNBUFFERED": "1",
        FAULTS_DIR_ENV: str(faults_dir),
        **database_env(connections["default"].settings_dict),
    }
    command = [sys.executable, "-m", "celery", "-A", "revops", "worker", "-l", "info", "-P", "solo"]
    command += ["-Q", "default", "-n", f"test-{os.getpid()}@%h", "--include", "tests.celery.faults"]
    command += ["--without-heartbeat", "--without-gossip", "--without-mingle"]
    with log_path.open("w") as log:
        process = subprocess.Popen(  # noqa: S603 - fixed argument list, no shell
            command, cwd=django_settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    worker = Worker(process=process, log_path=log_path, media_root=media_root, faults_dir=faults_dir)
    try:
        worker.wait_for_log(" ready.", timeout=READY_TIMEOUT_SECONDS)
        yield worker
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@pytest.fixture
def worker(celery_worker_process, settings, request):
    """The running worker, with this process sending tasks to it instead of running them."""
    request.getfixturevalue("flushable_db")  # committed rows the worker can see
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = BROKER_URL
    settings.MEDIA_ROOT = celery_worker_process.media_root
    previous = {"broker_url": app.conf.broker_url, "task_always_eager": app.conf.task_always_eager}
    app.conf.update(broker_url=BROKER_URL, task_always_eager=False)
    reset_broker_connections()
    assert (app.conf.broker_url, app.conf.task_always_eager) == (BROKER_URL, False)
    # Empty the queue only: a flush would also drop the bindings the worker declared at start,
    # and messages published without a binding are discarded.
    redis.Redis.from_url(BROKER_URL).delete(*(queue.value for queue in Queue))
    for armed in celery_worker_process.faults_dir.iterdir():
        armed.unlink()
    yield celery_worker_process
    for armed in celery_worker_process.faults_dir.iterdir():
        armed.unlink()
    app.conf.update(**previous)
    reset_broker_connections()
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        sys.stdout.write(f"\n--- celery worker log ---\n{celery_worker_process.log()}\n")
