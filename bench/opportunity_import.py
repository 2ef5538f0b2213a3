"""Time the opportunity file import: a 100,000-row CSV through preview and confirm, as users do.

Run (against a scratch PostgreSQL database; migrate runs first):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/revops_bench_import DJANGO_DEBUG=false \
    DJANGO_SETTINGS_MODULE=revops.settings.local \
    .venv/bin/python bench/opportunity_import.py [--rows 100000] [--accounts 1000]

A new organization gets `--accounts` accounts (external ids `ACC-<n>`), 20 reps and 4 product
lines; a seeded CSV of `--rows` opportunities in the import's built-in profile (the columns of
its template: external id, name, account, owner e-mail, stage, amount, dates, product line,
lead source) refers to them. In one process:

1. baseline: the same file parsed with the standard `csv` module and its rows written with one
   raw `COPY` into a table of the same ten value columns (no index, constraint or trigger);
2. preview through `import_submit` (the upload page's call) and the import's JobRun: the file
   is stored, read, validated row by row and planned, nothing is written;
3. confirm through `import_confirm` (the preview page's button) and its JobRun: the same
   checks, then every opportunity created, its first stage change and the audit row;
4. the same file uploaded again (a new preview run): every row "unchanged".

Tasks run in this process (no broker: `CELERY_TASK_ALWAYS_EAGER`, as under `make run`). Prints
seconds, rows per second, the process's peak RSS and the ratio of each step to the baseline.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import os
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "revops.settings.local")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from revops.models import (  # noqa: E402
    Account,
    JobRun,
    Membership,
    Opportunity,
    Organization,
    ProductLine,
    Role,
    User,
)
from revops.services.imports import import_confirm, import_job_run, import_submit  # noqa: E402
from revops.services.opportunity_import import COLUMNS  # noqa: E402

STAGES = ("prospecting", "qualification", "proposal", "negotiation", "closed_won", "closed_lost")
LINES = ("core", "analytics", "services", "support")


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build_file(*, rows: int, accounts: int, emails: list[str], seed: int = 7) -> bytes:
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    start = dt.date(2025, 1, 1)
    for i in range(rows):
        created = start + dt.timedelta(days=rng.randrange(0, 540))
        stage = STAGES[rng.randrange(len(STAGES))]
        closed = stage.startswith("closed")
        close = created + dt.timedelta(days=rng.randrange(10, 200))
        writer.writerow(
            [
                f"OPP-{i}",
                f"Deal {i} {rng.choice(('rollout', 'renewal', 'expansion', 'pilot'))}",
                f"ACC-{rng.randrange(accounts)}",
                emails[i % len(emails)],
                stage,
                f"{rng.randrange(1_000, 250_000)}.{rng.randrange(100):02d}",
                "USD",
                created.isoformat(),
                close.isoformat(),
                close.isoformat() if closed else "",
                LINES[i % len(LINES)],
                rng.choice(("Web", "Partner", "Event", "Outbound")),
            ]
        )
    return out.getvalue().encode()


def baseline(content: bytes) -> float:
    """Parse the file with `csv` and COPY its value columns into a bare table."""
    start = time.perf_counter()
    reader = csv.reader(io.StringIO(content.decode()))
    next(reader)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_opportunity_copy (external_id text, name text, account text, owner text, "
            "stage text, amount numeric(18,2), currency text, created_date date, expected_close_date date, "
            "close_date date, product_line text, lead_source text)"
        )
        with cursor.copy("COPY bench_opportunity_copy FROM STDIN") as copy:
            for row in reader:
                copy.write_row([value or None for value in row])
        cursor.execute("DROP TABLE bench_opportunity_copy")
    return time.perf_counter() - start


def run_job(job: JobRun) -> JobRun:
    job.refresh_from_db()
    if job.status in (JobRun.Status.QUEUED, JobRun.Status.RUNNING):
        job = import_job_run(job_run_id=job.pk)
    if job.status != JobRun.Status.SUCCEEDED:
        raise SystemExit(f"job {job.pk} {job.status}: {job.error[:500]}")
    return job


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--accounts", type=int, default=1_000)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("run it on PostgreSQL (DATABASE_URL=postgres://...)")
    call_command("migrate", verbosity=0)
    stamp = str(int(time.time()))
    org = Organization.objects.create(name=f"Bench import {stamp}", slug=f"bench-import-{stamp}")
    admin = User.objects.create(email=f"admin@{stamp}.bench")
    Membership.objects.create(organization=org, user=admin, role=Role.ADMIN)
    reps = User.objects.bulk_create(User(email=f"rep{i}@{stamp}.bench") for i in range(20))
    Membership.objects.bulk_create(Membership(organization=org, user=u, role=Role.REP) for u in reps)
    for code in LINES:
        ProductLine.objects.create(organization=org, name=code.title(), code=code)
    for i in range(args.accounts):
        Account.objects.create(organization=org, name=f"Account {i}", external_id=f"ACC-{i}")
    content = build_file(rows=args.rows, accounts=args.accounts, emails=[u.email for u in reps])
    print(
        f"{args.rows:,} rows, {len(content) / 2**20:.1f} MiB CSV, {args.accounts:,} accounts; "
        f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )

    base = baseline(content)
    print(f"  {'baseline: csv parse + raw COPY':<36} {base:7.2f} s  {args.rows / base:9,.0f} rows/s")

    def step(label: str, submit) -> JobRun:
        start = time.perf_counter()
        job = run_job(submit())
        took = time.perf_counter() - start
        counts = {k: v for k, v in job.counts.items() if not k.startswith("total")}
        print(
            f"  {label:<36} {took:7.2f} s  {args.rows / took:9,.0f} rows/s  ({took / base:.1f}× baseline)  "
            f"peak RSS {peak_mib():,.0f} MiB  {counts}"
        )
        return job

    preview = step(
        "preview (upload page, JobRun)",
        lambda: import_submit(
            organization=org, actor=admin, kind_name="opportunities", content=content, filename="deals.csv"
        )[0],
    )
    step("confirm (creates every row, JobRun)", lambda: import_confirm(job=preview, actor=admin)[0])
    created = Opportunity.objects.filter(organization=org).count()
    step(
        "the same file again (preview)",
        lambda: import_submit(
            organization=org,
            actor=admin,
            kind_name="opportunities",
            content=content,
            filename="deals.csv",
            run_key="again",
        )[0],
    )
    print(
        f"  opportunities in revops: {created:,}; load average "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )


if __name__ == "__main__":
    main()
