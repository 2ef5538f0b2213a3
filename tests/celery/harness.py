"""Real Celery workers the tests and `bench/chaos.py` start, kill with SIGKILL and restart.

Each worker runs in its own process group, so killing the group takes the main process and its
pool children at once (a machine or container lost), and killing one child is the pool losing
a process (out of memory). The ledger fingerprint compares two organizations' ledgers by
content (deal and event external ids, partner names, kinds, amounts), whatever their ids.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from django.conf import settings as django_settings

READY_TIMEOUT_SECONDS = 60


def reset_broker_connections() -> None:
    """Forget pooled broker connections so the next send uses the current broker_url.

    The app caches its connection pool (and the producer pool on top of it) on first use;
    an eager task that retried earlier in this process may have built it for no broker.
    """
    from revops.celery import app

    app._pool = None  # not closed: kombu keeps pools per URL and would hand back a closed one
    app.amqp._producer_pool = None


def database_env(settings_dict: dict) -> dict[str, str]:
    """Environment that points a worker's test settings at this test database."""
    name = str(settings_dict["NAME"])
    if settings_dict["ENGINE"] == "django.db.backends.sqlite3":
        if name == ":memory:" or name.startswith("file:memorydb"):
            raise RuntimeError(
                "a worker needs a database another process can open: set TEST_SQLITE_PATH "
                "to a file, or TEST_DATABASE_URL to PostgreSQL"
            )
        return {"TEST_SQLITE_PATH": name, "TEST_DATABASE_URL": ""}
    user = quote(settings_dict.get("USER") or "")
    password = quote(settings_dict.get("PASSWORD") or "")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return {"TEST_DATABASE_URL": f"postgres://{auth}{host}:{port}/{quote(name)}"}


@dataclass
class KillableWorker:
    """A prefork worker with one pool process, started and killed by the harness."""

    broker_url: str
    settings_dict: dict
    log_path: Path
    visibility_timeout: int = 3
    process: subprocess.Popen | None = None
    starts: int = 0

    def start(self) -> None:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "revops.settings.test",
            "CELERY_BROKER_URL": self.broker_url,
            "CELERY_VISIBILITY_TIMEOUT": str(self.visibility_timeout),
            "PYTHONUNBUFFERED": "1",
            **database_env(self.settings_dict),
        }
        self.starts += 1
        command = [sys.executable, "-m", "celery", "-A", "revops", "worker", "-l", "info"]
        command += [
            "-P",
            "prefork",
            "-c",
            "1",
            "-Q",
            "default",
            "-n",
            f"chaos-{os.getpid()}-{self.starts}@%h",
        ]
        command += ["--without-heartbeat", "--without-gossip", "--without-mingle"]
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        with self.log_path.open("a") as log:
            self.process = subprocess.Popen(  # noqa: S603 - fixed argument list, no shell
                command,
                cwd=django_settings.BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if " ready." in self.log_path.read_text(errors="replace")[offset:]:
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"worker did not start:\n{self.log_path.read_text(errors='replace')[offset:]}")

    def children(self) -> list[int]:
        assert self.process is not None
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()] if path.exists() else []

    def kill_all(self) -> None:
        """SIGKILL the worker's whole process group and reap it."""
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self.process = None

    def kill_child(self) -> bool:
        """SIGKILL the pool process (the main process stays); whether there was one."""
        children = self.children()
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                continue
        return bool(children)

    def stop(self) -> None:
        if self.process is not None:
            self.kill_all()


def ledger_fingerprint(organization) -> tuple[int, str, str]:
    """(entry count, net total, digest of the net amount per event, partner and role)."""
    from django.db.models import Sum

    from attribution.models import AttributionEntry

    rows = (
        AttributionEntry.objects.filter(organization=organization)
        .values("revenue_event__external_id", "partner__name", "role")
        .annotate(net=Sum("amount"))
        .order_by("revenue_event__external_id", "partner__name", "role")
    )
    digest = hashlib.sha256()
    total = 0
    for r in rows:
        digest.update(
            f"{r['revenue_event__external_id']}|{r['partner__name']}|{r['role']}|{r['net']}\n".encode()
        )
        total += r["net"]
    count = AttributionEntry.objects.filter(organization=organization).count()
    return count, str(total), digest.hexdigest()
