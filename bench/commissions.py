"""Time commissions on PostgreSQL: a 1,000,000-row sales import end to end, and the statements.

Run (against an existing scratch database, empty or not; migrate runs first):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/revops_bench_commissions DJANGO_DEBUG=false \
    DJANGO_SETTINGS_MODULE=revops.settings.local \
    .venv/bin/python bench/commissions.py [--rows 1000000] [--reps 500] [--lines 6]

Builds a new organization with `--reps` reps on `--lines` product lines (plans with marginal and
retroactive tiers over month, quarter and year-to-date windows; twelve months of objectives)
and a CSV of `--rows` sales over twelve months, then prints, each with its baseline from the
same run:

- the import through the job users trigger (`import_submit` + the import job: read, validate
  every row, resolve reps and lines, write all or nothing), in rows/s, against a plain `COPY`
  of the same file into a bare table (no index, constraint or trigger);
- the statements of all twelve months through `statements_compute` (the compute job's
  service: load, engine, write drafts), and the engine alone on the same inputs;
- peak memory (RSS) of the process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import sys
import time
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "revops.settings.local")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from commissions.engine import compute_commissions  # noqa: E402
from commissions.models import (  # noqa: E402
    BusinessObjective,
    CommissionPlan,
    CommissionPlanVersion,
    PlanAssignment,
    SalesTransaction,
)
from commissions.selectors.inputs import engine_inputs  # noqa: E402
from commissions.services.statements import statements_compute  # noqa: E402
from revops.models import ImportProfile, JobRun, Membership, Organization, ProductLine, Role, User  # noqa: E402
from revops.services.imports import Mode, import_job_run, import_submit  # noqa: E402

YEAR = 2026
MONTHS = [dt.date(YEAR, m, 1) for m in range(1, 13)]
SEMANTICS = ("marginal", "retroactive")
PERIODS = ("month", "quarter", "ytd")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(reps: int, lines: int) -> tuple[Organization, User, list[int], list[str]]:
    slug = f"bench-comm-{int(time.time())}"
    org = Organization.objects.create(name=slug, slug=slug)
    finance = User.objects.create_user(email=f"finance@{slug}.example")
    Membership.objects.create(organization=org, user=finance, role=Role.FINANCE)
    users = User.objects.bulk_create(
        [User(email=f"rep{i}@{slug}.example", first_name="Rep", last_name=str(i)) for i in range(reps)]
    )
    users = list(
        User.objects.filter(email__endswith=f"@{slug}.example").exclude(pk=finance.pk).order_by("pk")
    )
    Membership.objects.bulk_create([Membership(organization=org, user=u, role=Role.REP) for u in users])
    product_lines = ProductLine.objects.bulk_create(
        [ProductLine(organization=org, name=f"Line {i}", code=f"line{i}") for i in range(lines)]
    )
    assignments, objectives = [], []
    for index, line in enumerate(product_lines):
        plan = CommissionPlan.objects.create(organization=org, name=f"Plan {line.code}")
        CommissionPlanVersion.objects.create(
            organization=org,
            plan=plan,
            version=1,
            effective_from=MONTHS[0],
            tier1_rate=Decimal("4"),
            tier2_rate=Decimal("6.5"),
            semantics=SEMANTICS[index % 2],
            objective_period=PERIODS[index % 3],
        )
        for user in users:
            assignments.append(
                PlanAssignment(organization=org, rep=user, product_line=line, plan=plan, start=MONTHS[0])
            )
            objectives += [
                BusinessObjective(
                    organization=org, rep=user, product_line=line, month=m, amount=Decimal(900_000)
                )
                for m in MONTHS
            ]
    PlanAssignment.objects.bulk_create(assignments, batch_size=5000)
    BusinessObjective.objects.bulk_create(objectives, batch_size=5000)
    return org, finance, [u.pk for u in users], [u.email for u in users]


def sales_csv(rows: int, emails: list[str], lines: int, seed: int = 7) -> bytes:
    rng = np.random.default_rng(seed)
    days = rng.integers(0, 365, rows)
    dates = (np.datetime64(f"{YEAR}-01-01") + days).astype(str)
    amounts = rng.integers(-20_000, 1_000_000, rows) / 100
    frame = pd.DataFrame(
        {
            "id": np.arange(1, rows + 1),
            "date": dates,
            "rep": np.array(emails)[rng.integers(0, len(emails), rows)],
            "product_line": np.char.add("line", rng.integers(0, lines, rows).astype(str)),
            "customer": np.char.add("Customer ", rng.integers(0, 5000, rows).astype(str)),
            "sales_amount": np.char.mod("%.2f", amounts),
        }
    )
    return frame.to_csv(index=False).encode()


def copy_baseline(content: bytes) -> float:
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_sales_copy (id bigint, date date, rep text, product_line text, "
            "customer text, sales_amount numeric(18,2))"
        )
        started = time.perf_counter()
        with cursor.copy("COPY bench_sales_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as copy:
            for start in range(0, len(content), 1 << 20):
                copy.write(content[start : start + (1 << 20)])
        elapsed = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_sales_copy")
    return elapsed


def run(rows: int, reps: int, lines: int) -> None:
    started = time.perf_counter()
    org, finance, _rep_ids, emails = build(reps, lines)
    content = sales_csv(rows, emails, lines)
    print(
        f"setup: {reps} reps × {lines} lines, {rows:,} rows ({len(content) / 1e6:.1f} MB CSV) in {time.perf_counter() - started:.1f} s"
    )
    ImportProfile.objects.create(organization=org, kind="sales", name="bench", spec={"key_columns": ["id"]})

    baseline = copy_baseline(content)
    print(f"baseline: COPY of the file into a bare table: {baseline:.1f} s ({rows / baseline:,.0f} rows/s)")

    started = time.perf_counter()
    job, _ = import_submit(
        organization=org,
        actor=finance,
        kind_name="sales",
        content=content,
        filename="bench.csv",
        profile="bench",
        mode=Mode.APPLY,
    )
    if job.status == JobRun.Status.QUEUED:
        job = import_job_run(job_run_id=job.pk)
    elapsed = time.perf_counter() - started
    imported = SalesTransaction.objects.filter(organization=org).count()
    print(
        f"import through the job: {elapsed:.1f} s ({rows / elapsed:,.0f} rows/s), status {job.status}, "
        f"{imported:,} rows; ratio to COPY {elapsed / baseline:.1f}× (target ≤ 90 s)"
    )
    print(f"peak RSS after import: {peak_rss_mb():,.0f} MB")

    started = time.perf_counter()
    inputs = engine_inputs(organization=org, months=MONTHS)
    loaded = time.perf_counter() - started
    started = time.perf_counter()
    result = compute_commissions(
        transactions=inputs.transactions,
        assignments=inputs.assignments,
        objectives=inputs.objectives,
        months=MONTHS,
        fiscal_year_start_month=inputs.fiscal_year_start_month,
    )
    engine = time.perf_counter() - started
    print(
        f"engine alone, all {len(result):,} lines of 12 months: {engine:.1f} s (inputs loaded in {loaded:.1f} s; target ≤ 10 s)"
    )

    started = time.perf_counter()
    statements = 0
    for month in MONTHS:
        statements += statements_compute(organization=org, actor=finance, month=month).created
    compute = time.perf_counter() - started
    print(
        f"statements_compute for 12 months: {compute:.1f} s, {statements:,} statements; ratio to the engine alone {compute / engine:.1f}×"
    )
    print(f"peak RSS: {peak_rss_mb():,.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--reps", type=int, default=500)
    parser.add_argument("--lines", type=int, default=6)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Point DATABASE_URL at a PostgreSQL database.")
    call_command("migrate", verbosity=0)
    print(f"load average at start: {os.getloadavg()[0]:.1f}")
    run(args.rows, args.reps, args.lines)


if __name__ == "__main__":
    main()
