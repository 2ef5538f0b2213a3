"""API fuzzing at depth: schemathesis, every operation, every check, as three API tokens.

Run (a scratch SQLite file, migrated first; nothing outside the repository is read):
    .venv/bin/python bench/api_fuzz.py [--examples 1000] [--actors admin,rep,partner] \
        [--time-budget 1200] [--match /api/v1/accounts/] [--reuse-db]

The same harness as tests/security/test_api_fuzz.py (tests/security/fuzzing.py): the access
matrix world (two organizations, every actor), an API token for the admin, the rep and the
partner, the schema drf-spectacular serves at /api/schema/ loaded through the WSGI
application, and for each operation and actor `--examples` generated requests, positive and
negative, with every schemathesis check. Each example's writes are rolled back. Unlike the
test, a failure does not stop the run: distinct failures are collected per operation.

`--time-budget` bounds the whole run (seconds, checked between operations): once spent, the
remaining operations are skipped and the count of operations run is printed. Printed per actor: operations run,
examples sent, failures, the seconds taken and examples per second, then each failure with a
curl command that reproduces it. The exit status is 1 when anything failed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def prepare(sqlite_path: Path, *, reuse: bool) -> None:
    sqlite_path.parent.mkdir(parents=True, exist_ok=True)
    if not reuse:
        sqlite_path.unlink(missing_ok=True)
    os.environ["DJANGO_SETTINGS_MODULE"] = "revops.settings.test"
    os.environ["TEST_DATABASE_URL"] = ""
    os.environ["TEST_SQLITE_PATH"] = str(sqlite_path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=1000, help="examples per operation and actor")
    parser.add_argument("--actors", default="admin,rep,partner")
    parser.add_argument(
        "--time-budget", type=float, default=1200.0, help="seconds, checked between operations"
    )
    parser.add_argument("--match", default="", help="only operations whose path contains this")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sqlite-path", default="var/bench/api_fuzz.sqlite3")
    parser.add_argument("--reuse-db", action="store_true", help="keep the migrated file of an earlier run")
    args = parser.parse_args()
    prepare(ROOT / args.sqlite_path, reuse=args.reuse_db)

    import django

    django.setup()
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application
    from django.db import transaction

    from tests.security.fuzzing import (
        fuzz_world_build,
        operation_fuzz,
        schema_load,
        wsgi_requests_keep_the_connection,
    )

    call_command("migrate", verbosity=0)
    app = get_wsgi_application()
    started = time.monotonic()
    failed = False
    with wsgi_requests_keep_the_connection(), transaction.atomic():
        fuzz = fuzz_world_build()
        schema = schema_load(fuzz, app)
        operations = [op.ok() for op in schema.get_all_operations()]
        operations = [op for op in operations if args.match in op.path]
        print(
            f"load average {os.getloadavg()[0]:.1f}; {len(operations)} operations; {args.examples} examples each"
        )
        for actor in args.actors.split(","):
            actor_started = time.monotonic()
            ran = examples = 0
            failures: dict[str, dict[str, str]] = {}
            for operation in operations:
                if time.monotonic() - started > args.time_budget:
                    break
                result = operation_fuzz(
                    operation,
                    headers=fuzz.headers(actor),
                    max_examples=args.examples,
                    seed=args.seed,
                    stop_at_first=False,
                )
                ran += 1
                examples += result.examples
                if result.failures:
                    failures[result.label] = result.failures
            seconds = time.monotonic() - actor_started
            count = sum(len(found) for found in failures.values())
            print(
                f"{actor}: {ran}/{len(operations)} operations, {examples} examples, {count} failures, "
                f"{seconds:.0f} s ({examples / max(seconds, 1e-9):.0f} examples/s)"
            )
            for label, found in failures.items():
                for title, curl in found.items():
                    print(f"  {label}: {title}\n    {curl}")
            failed = failed or bool(failures)
        transaction.set_rollback(True)
    print(f"total {time.monotonic() - started:.0f} s, load average {os.getloadavg()[0]:.1f}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
