"""Worker crashes during a recompute: SIGKILL a real Celery worker N times, then compare ledgers.

Run (a scratch PostgreSQL database that is dropped and created; the chaos Redis database, 13, is emptied):

    .venv/bin/python bench/chaos.py [--kills 20] [--deals 200] [--events-per-deal 50] \
        [--database-url postgres://postgres@127.0.0.1:5432/revops_bench_chaos]

Two identical organizations get a book of deals with two partner links each and revenue
events; a prefork worker (one pool process, the broker's visibility timeout 3 s) recomputes the
first without interruption (the baseline), then the second while the harness kills it `--kills`
times: alternately the whole worker (SIGKILL to its process group, then a new worker) and only
its pool process, each at a random moment after an attempt claims the run. Printed: the clean
run's time, the interrupted run's time, each kill's recovery time (kill → next attempt
running), and whether the two ledgers agree (entry count, net total, net per event, partner
and role) and both hash chains verify. The same harness runs with 5 kills in the test suite
(`tests/celery/test_chaos.py`).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def prepare(database_url: str) -> None:
    import psycopg

    name = database_url.rsplit("/", 1)[1]
    with psycopg.connect(database_url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DJANGO_SETTINGS_MODULE"] = "revops.settings.test"
    os.environ["TEST_DATABASE_URL"] = database_url
    os.environ["TEST_SQLITE_PATH"] = ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--deals", type=int, default=200)
    parser.add_argument("--events-per-deal", type=int, default=50)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/revops_bench_chaos")
    args = parser.parse_args()
    prepare(args.database_url)

    import django

    django.setup()
    import redis
    from django.core.management import call_command
    from django.db import connections

    from attribution.services.jobs import attribution_recompute_enqueue
    from attribution.services.verify import ledger_verify
    from revops.celery import app
    from revops.models import JobRun, Membership, Organization, Role, User
    from tests.celery.harness import KillableWorker, ledger_fingerprint, reset_broker_connections
    from tests.celery.test_chaos import CHAOS_BROKER_URL, build_book, wait_for

    call_command("migrate", verbosity=0)
    client = redis.Redis.from_url(CHAOS_BROKER_URL)
    client.flushdb()
    app.conf.update(broker_url=CHAOS_BROKER_URL, task_always_eager=False)
    reset_broker_connections()
    user = User.objects.create_user(email="chaos@bench.example", password="x")
    orgs = []
    for slug in ("clean", "chaos"):
        org = Organization.objects.create(name=f"Bench {slug}", slug=f"bench-{slug}")
        Membership.objects.create(organization=org, user=user, role=Role.ADMIN)
        build_book(org, deals=args.deals, events_per_deal=args.events_per_deal)
        orgs.append(org)
    clean_org, chaos_org = orgs
    events = args.deals * args.events_per_deal
    print(
        f"book: {args.deals:,} deals, {events:,} revenue events, 2 partner links per deal, per organization"
    )

    log = Path(ROOT / "var" / "bench" / "chaos-worker.log")
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text("")
    worker = KillableWorker(
        broker_url=CHAOS_BROKER_URL, settings_dict=connections["default"].settings_dict, log_path=log
    )
    rng = random.Random(args.seed)
    try:
        worker.start()
        started = time.perf_counter()
        job, _ = attribution_recompute_enqueue(organization=clean_org, actor=user, idempotency_key="clean")
        wait_for(lambda: job.refresh_from_db() or job.is_finished, timeout=1800, what="the clean run")
        clean_s = time.perf_counter() - started
        print(f"clean run: {job.status} in {clean_s:.1f} s; {job.counts.get('entries')} entries")

        started = time.perf_counter()
        job, _ = attribution_recompute_enqueue(organization=chaos_org, actor=user, idempotency_key="chaos")
        recoveries: list[float] = []
        kinds: list[str] = []
        last_start = None
        killed_at = None
        while len(kinds) < args.kills:

            def attempt(previous=last_start):
                job.refresh_from_db()
                if job.is_finished:
                    raise SystemExit(f"the run finished after {len(kinds)} kills: use a larger book")
                return job.status == JobRun.Status.RUNNING and job.started_at != previous

            wait_for(attempt, timeout=600, what="the next attempt")
            if killed_at is not None:
                recoveries.append(time.perf_counter() - killed_at)
            last_start = job.started_at
            time.sleep(rng.uniform(0.0, min(2.0, clean_s / 2)))
            killed_at = time.perf_counter()
            if len(kinds) % 2 == 0:
                worker.kill_all()
                kinds.append("worker")
                worker.start()
            else:
                if not worker.kill_child():
                    raise SystemExit("the worker had no pool process to kill")
                kinds.append("pool process")
        wait_for(
            lambda: job.refresh_from_db() or job.is_finished, timeout=1800, what="the run after the kills"
        )
        chaos_s = time.perf_counter() - started
    finally:
        worker.stop()
        client.flushdb()
    by_kind = {kind: [r for r, k in zip(recoveries, kinds, strict=False) if k == kind] for kind in set(kinds)}
    print(
        f"interrupted run: {job.status} in {chaos_s:.1f} s after {len(kinds)} kills "
        f"({kinds.count('worker')} whole worker, {kinds.count('pool process')} pool process); "
        f"{chaos_s / clean_s:.1f}× the clean run"
    )
    for kind, values in sorted(by_kind.items()):
        if values:
            print(
                f"  recovery after killing the {kind}: median {statistics.median(values):.1f} s, "
                f"max {max(values):.1f} s ({len(values)} kills)"
            )
    same = ledger_fingerprint(chaos_org) == ledger_fingerprint(clean_org)
    count, total, _ = ledger_fingerprint(chaos_org)
    print(
        f"ledgers agree: {same} ({count:,} entries, net {total}); chains verify: "
        f"{ledger_verify(organization=chaos_org).ok} / {ledger_verify(organization=clean_org).ok}; "
        f"run error: {job.error!r}"
    )
    if not same or job.status != JobRun.Status.SUCCEEDED:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
