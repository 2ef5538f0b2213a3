"""Time the home dashboard and the opportunity list at a baseline size and at full size.

Run: .venv/bin/python bench/dashboard.py [--rows 100000] [--baseline-rows 1000] [--repeat 20]
     [--database-url postgres://postgres@127.0.0.1:5432/revops_bench | --sqlite-path var/bench/x.sqlite3]

Creates a fresh database (an SQLite file, var/bench/dashboard.sqlite3 by default; with --database-url a
PostgreSQL database whose name must contain "bench", dropped and created again), migrates
it, seeds the "acme" demo organization with `--baseline-rows` opportunities and measures;
then grows the same organization to `--rows` opportunities (and one account per ten deals)
and measures again. Each page is requested `--repeat` times by the org-wide manager through
django.test.Client; the table shows median and p95 wall time, queries per request, and the
ratio to the baseline. Also printed: seeding time, peak traced memory of one request, peak
RSS of the process and the database size.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

TARGET_MEDIAN_MS = 300.0
ACCOUNTS_PER_DEAL = 0.1  # the demo's ratio: 400 accounts for 4,000 deals


@dataclass
class Measure:
    page: str
    rows: int
    median_ms: float
    p95_ms: float
    queries: int
    peak_kib: float
    slowest: list[tuple[float, str]]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="opportunities at full size")
    parser.add_argument("--baseline-rows", type=int, default=1_000, help="opportunities at the baseline")
    parser.add_argument("--repeat", type=int, default=20, help="requests per page and size")
    parser.add_argument(
        "--database-url", default="", help="PostgreSQL URL (database name must contain 'bench')"
    )
    parser.add_argument(
        "--sqlite-path",
        default="var/bench/dashboard.sqlite3",
        help="SQLite file to create (relative to the project), when no --database-url is given",
    )
    return parser.parse_args()


def prepare_database(database_url: str, sqlite_path: str) -> str:
    """Point the test settings at a fresh database; return a label for it."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "revops.settings.test"
    if not database_url:
        path = (BASE_DIR / sqlite_path).resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.environ["TEST_DATABASE_URL"] = f"sqlite:///{path}"
        return f"SQLite {os.path.relpath(path, BASE_DIR)}"
    import environ
    import psycopg

    config = environ.Env.db_url_config(database_url)
    name = config["NAME"]
    if "bench" not in name:
        sys.exit(f"Refusing to drop and create database {name!r}: its name must contain 'bench'.")
    admin_url = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["TEST_DATABASE_URL"] = database_url
    return f"PostgreSQL {name}"


def database_size_mib() -> float:
    from django.db import connection

    if connection.vendor == "sqlite":
        name = connection.settings_dict["NAME"]
        return (
            sum(Path(f"{name}{s}").stat().st_size for s in ("", "-wal") if Path(f"{name}{s}").exists())
            / 2**20
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        return cursor.fetchone()[0] / 2**20


def measure(client, page: str, url: str, rows: int, repeat: int) -> Measure:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):  # warm-up: templates, caches, first-use imports
        response = client.get(url)
    if response.status_code != 200:
        sys.exit(f"{page}: GET {url} answered {response.status_code}")
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        client.get(url)
        times.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    # Read the log now: the next request clears it, and captured_queries reads it lazily.
    queries = list(captured.captured_queries)
    tracemalloc.start()
    client.get(url)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    slowest = sorted(((float(q["time"]) * 1000, q["sql"]) for q in queries), reverse=True)
    times.sort()
    return Measure(
        page=page,
        rows=rows,
        median_ms=statistics.median(times),
        p95_ms=times[min(len(times) - 1, round(0.95 * (len(times) - 1)))],
        queries=len(queries),
        peak_kib=peak / 1024,
        slowest=slowest[:3],
    )


def grow(organization, *, rows: int, accounts: int) -> tuple[int, int]:
    """Add accounts and opportunities to the seeded organization up to the given totals."""
    from django.conf import settings
    from django.db import transaction

    from revops.demo.catalog import accounts_generate
    from revops.demo.context import SeedContext
    from revops.demo.opportunities import opportunities_generate
    from revops.demo.registry import demo_password_hash, organization_today
    from revops.demo.specs import ACME
    from revops.models import Account, Opportunity

    ctx = SeedContext(
        organization=organization,
        spec=ACME,
        seed=42,
        scale=1.0,
        today=organization_today(organization),
        password_hash=demo_password_hash(settings.REVOPS_DEMO_PASSWORD),
    )
    ctx.rng = ctx.rng_for("bench")
    with transaction.atomic():
        have_accounts = Account.objects.filter(organization=organization).count()
        accounts_generate(ctx, start=have_accounts, count=max(0, accounts - have_accounts))
        have = Opportunity.objects.filter(organization=organization).count()
        return opportunities_generate(ctx, start=have, count=max(0, rows - have))


def main() -> None:
    args = parse_args()
    label = prepare_database(args.database_url, args.sqlite_path)

    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.urls import NoReverseMatch, reverse

    from revops.demo import seed_demo
    from revops.models import Membership, Opportunity, OpportunityStageChange, ProductLine

    try:
        urls = {"home": reverse("revops:home"), "opportunity list": reverse("revops:opportunity-list")}
    except NoReverseMatch as exc:
        sys.exit(f"The pages to measure do not exist yet: {exc}")

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"Database: {label}; migrated in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    seed_demo(seed=42, scale=args.baseline_rows / 4000, only=["acme"])
    print(f"Baseline seed ({args.baseline_rows:,} deals): {time.perf_counter() - started:.1f} s")
    manager = Membership.objects.select_related("user", "organization").get(
        user__email="manager@acme.example"
    )
    platform = ProductLine.objects.get(organization=manager.organization, code="platform")
    urls["list, open + product line"] = f"{urls['opportunity list']}?status=open&product_line={platform.pk}"
    client = Client()
    client.force_login(manager.user)

    results: list[Measure] = []
    for page, url in urls.items():
        results.append(measure(client, page, url, args.baseline_rows, args.repeat))

    started = time.perf_counter()
    grow(manager.organization, rows=args.rows, accounts=round(args.rows * ACCOUNTS_PER_DEAL))
    deals = Opportunity.objects.filter(organization=manager.organization).count()
    changes = OpportunityStageChange.objects.filter(organization=manager.organization).count()
    print(f"Grown to {deals:,} deals, {changes:,} stage changes in {time.perf_counter() - started:.1f} s")
    if args.database_url:
        from django.db import connection

        with connection.cursor() as cursor:
            # What autovacuum does after a bulk load: planner statistics, and the visibility
            # map that lets PostgreSQL answer from an index alone (index-only scans).
            cursor.execute("VACUUM ANALYZE")
    for page, url in urls.items():
        results.append(measure(client, page, url, deals, args.repeat))

    report(results, args)


def report(results: list[Measure], args: argparse.Namespace) -> None:
    from django.db import connection

    baseline = {m.page: m for m in results if m.rows == args.baseline_rows}
    print()
    header = f"{'page':<28}{'deals':>9}{'median ms':>11}{'p95 ms':>9}{'queries':>9}{'x time':>8}{'x queries':>11}{'peak KiB':>10}"
    print(header)
    print("-" * len(header))
    for m in results:
        base = baseline[m.page]
        print(
            f"{m.page:<28}{m.rows:>9,}{m.median_ms:>11.1f}{m.p95_ms:>9.1f}{m.queries:>9}"
            f"{m.median_ms / base.median_ms:>8.2f}{m.queries / base.queries:>11.2f}{m.peak_kib:>10.0f}"
        )
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nPeak RSS {rss_mib:.0f} MiB; database {database_size_mib():.1f} MiB ({connection.vendor})")
    full = [m for m in results if m.rows != args.baseline_rows]
    slow = [m for m in full if m.median_ms > TARGET_MEDIAN_MS]
    grew = [m for m in full if m.queries != baseline[m.page].queries]
    print(f"Target: median <= {TARGET_MEDIAN_MS:.0f} ms and constant query count")
    print(f"  time:    {'met' if not slow else 'MISSED by ' + ', '.join(m.page for m in slow)}")
    print(f"  queries: {'constant' if not grew else 'GREW on ' + ', '.join(m.page for m in grew)}")
    for m in full:
        print(f"\nSlowest queries, {m.page} at {m.rows:,} deals:")
        for ms, sql in m.slowest:
            print(f"  {ms:8.1f} ms  {sql[:220]}")


if __name__ == "__main__":
    main()
