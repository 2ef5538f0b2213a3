"""Time daily lead distribution: each strategy's plan (engine only) and an applied run on PostgreSQL.

Run (the apply part against a scratch PostgreSQL database; migrate runs first):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/revops_bench_distribution \
    DJANGO_SETTINGS_MODULE=revops.settings.local \
    .venv/bin/python bench/distribution.py [--leads 100000] [--reps 1000] [--skip-apply] [--skip-engine]

1. Engine only, per strategy (level_based, round_robin, proportional, capacity_based,
   performance_weighted, and the chain level_based → capacity_based → round_robin): filter,
   order and plan 100,000 seeded leads over 1,000 reps with `distribute`, with an explanation
   per assignment. Baseline in the same run: a loop handing lead i to rep i mod reps and
   building one plain tuple per lead. Peak memory of the plan from tracemalloc. Target ≤ 1 s.
2. Apply on PostgreSQL: a new organization with the reps (memberships, profiles) and the leads,
   then `distribution_prepare` (read leads, reps, workloads) and `distribution_run` applied (one
   transaction: the run, 100,000 LeadAssignment rows with their explanation, the leads' owners).
   Baseline in the same run: `bulk_create` of the same 100,000 assignment rows alone. Target ≤ 15 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "revops.settings.local")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from distribution.engine import LeadFacts, RepFacts, distribute, load_text  # noqa: E402

TODAY = dt.date(2026, 3, 4)
SOURCES = (
    "Google",
    "Organic Search",
    "Direct Traffic",
    "Referral Sites",
    "Olark Chat",
    "Facebook",
    "Welingak",
)
CAMPAIGNS = ("Spring", "Launch", "Referrals")
STRATEGIES = {
    "level_based": "strategy: level_based\n  levels: {senior: {target_leads: 150, priority: 1}, "
    "mid: {target_leads: 100, priority: 2}, junior: {target_leads: 60, priority: 3}}",
    "round_robin": "strategy: round_robin",
    "proportional": "strategy: proportional\n  default_target_leads: 200",
    "capacity_based": "strategy: capacity_based\n  capacity: {default_capacity: 250, catch_up: gradual}",
    "performance_weighted": "strategy: performance_weighted\n  performance: {prior_strength: 20, "
    "fairness_floor: 0.2, exploration: 0.1}",
    "chain": "strategy: [level_based, capacity_based, round_robin]\n  levels: {senior: {target_leads: 50}, "
    "mid: {target_leads: 30}, junior: {target_leads: 20}}\n  capacity: {default_capacity: 250}",
}
FINDING = """lead_finding:
  date_range: {younger_than_days: 60, exclude_weekends: false}
  web_sources: {values: ['^(google|organic|direct|referral|olark|facebook)'], match: regex}
  do_not_call: {exclude: true, statuses: [Do Not Call]}
  tags: {exclude: [spam]}
  required_fields: [email]
"""


def doc_for(strategy: str):
    return load_text(
        f"campaign: {{name: Bench}}\n{FINDING}distribution:\n  seed: 7\n  {STRATEGIES[strategy]}\n", env={}
    )


def make_leads(n: int, rng: random.Random) -> list[LeadFacts]:
    leads = []
    for i in range(n):
        leads.append(
            LeadFacts(
                id=i + 1,
                created_on=TODAY - dt.timedelta(days=rng.randint(0, 70)),
                web_source=rng.choice(SOURCES),
                campaign=rng.choice(CAMPAIGNS),
                status="New",
                tags=frozenset({"spam"}) if rng.random() < 0.02 else frozenset(),
                do_not_call=rng.random() < 0.03,
                priority=rng.randint(0, 3),
                score=rng.random(),
                present_fields=frozenset({"email", "phone"}) if rng.random() < 0.97 else frozenset({"phone"}),
                name=f"Lead {i + 1}",
            )
        )
    return leads


def make_reps(n: int, rng: random.Random, first_id: int = 1) -> list[RepFacts]:
    reps = []
    for i in range(n):
        conversions = {f"campaign={c}": (rng.randint(0, 30), 40) for c in CAMPAIGNS}
        conversions |= {f"web_source={s}": (rng.randint(0, 20), 30) for s in SOURCES}
        reps.append(
            RepFacts(
                id=first_id + i,
                name=f"Rep {i}",
                level=("senior", "mid", "junior")[i % 3],
                current_load=rng.randint(0, 100),
                working_days=frozenset(range(1, 8)),
                conversions=conversions,
            )
        )
    return reps


def baseline(leads: list[LeadFacts], reps: list[RepFacts]) -> float:
    start = time.perf_counter()
    out = [(lead.id, reps[i % len(reps)].id, "baseline") for i, lead in enumerate(leads)]
    elapsed = time.perf_counter() - start
    assert len(out) == len(leads)
    return elapsed


def bench_engine(n_leads: int, n_reps: int) -> None:
    rng = random.Random(42)
    leads, reps = make_leads(n_leads, rng), make_reps(n_reps, rng)
    base = baseline(leads, reps)
    print(
        f"engine: {n_leads:,} leads, {n_reps:,} reps; baseline (lead i → rep i mod reps, one tuple each) {base:.3f} s"
    )
    print(
        f"{'strategy':<22}{'plan s':>9}{'CPU s':>8}{'× baseline':>12}{'assigned':>10}{'excluded':>10}"
        f"{'unassigned':>11}{'peak MB':>9}"
    )
    for name in STRATEGIES:
        doc = doc_for(name)
        tracemalloc.start()
        start = time.perf_counter()
        plan = distribute(leads, reps, doc, today=TODAY)
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        # Timed again without tracemalloc (which slows allocation-heavy code down).
        start, cpu = time.perf_counter(), time.process_time()
        distribute(leads, reps, doc, today=TODAY)
        clean, cpu = time.perf_counter() - start, time.process_time() - cpu
        c = plan.counts()
        print(
            f"{name:<22}{clean:>9.3f}{cpu:>8.3f}{clean / base:>12.1f}{c['assigned']:>10,}{c['excluded']:>10,}"
            f"{c['unassigned']:>11,}{peak / 1e6:>9.1f}"
        )
        del elapsed


def bench_apply(n_leads: int, n_reps: int) -> None:
    from distribution.models import Lead, LeadAssignment, SalespersonProfile
    from distribution.selectors.inputs import RunOptions, distribution_prepare
    from distribution.services.runs import distribution_run
    from revops.models import Membership, Organization, Role, User

    call_command("migrate", verbosity=0)
    rng = random.Random(43)
    stamp = int(time.time())
    org = Organization.objects.create(name=f"Bench {stamp}", slug=f"bench-dist-{stamp}")
    users = User.objects.bulk_create(User(email=f"rep{i}@{stamp}.bench") for i in range(n_reps))
    Membership.objects.bulk_create(Membership(organization=org, user=u, role=Role.REP) for u in users)
    SalespersonProfile.objects.bulk_create(
        SalespersonProfile(
            organization=org,
            user=u,
            level=("senior", "mid", "junior")[i % 3],
            working_days=[1, 2, 3, 4, 5, 6, 7],
        )
        for i, u in enumerate(users)
    )
    received = dt.datetime(2026, 3, 1, 10, tzinfo=dt.UTC)
    Lead.objects.bulk_create(
        (
            Lead(
                organization=org,
                name=f"Lead {i}",
                email=f"l{i}@x.example",
                web_source=rng.choice(SOURCES),
                received_at=received,
                priority=rng.randint(0, 3),
            )
            for i in range(n_leads)
        ),
        batch_size=5000,
    )
    doc = load_text(
        f"campaign: {{name: Bench}}\ndistribution:\n  seed: 7\n  {STRATEGIES['capacity_based']}\n", env={}
    )
    print(f"apply on {connection.vendor}: {n_leads:,} leads, {n_reps:,} reps")
    start = time.perf_counter()
    prepared = distribution_prepare(org, doc, options=RunOptions(dry_run=False), today=TODAY)
    read = time.perf_counter() - start
    start = time.perf_counter()
    run = distribution_run(organization=org, prepared=prepared)
    total = time.perf_counter() - start
    assigned = LeadAssignment.objects.filter(run=run).count()
    owned = Lead.objects.filter(organization=org, owner__isnull=False).count()
    print(f"  read (distribution_prepare): {read:.2f} s")
    print(
        f"  plan + apply (distribution_run): {total:.2f} s; {assigned:,} assignments, {owned:,} leads owned"
    )
    print(f"  read + plan + apply: {read + total:.2f} s")
    # Baseline: the same assignment rows with bulk_create alone, rolled back.
    rows = [
        LeadAssignment(
            organization=org,
            lead_id=a.lead_id,
            rep_id=a.rep_id,
            run=run,
            strategy=a.strategy,
            explanation=a.explanation.as_dict(),
        )
        for a in prepared.plan.assignments
    ]
    start = time.perf_counter()
    with transaction.atomic():
        LeadAssignment.objects.bulk_create(rows, batch_size=2000)
        transaction.set_rollback(True)
    base = time.perf_counter() - start
    print(
        f"  baseline bulk_create of the {len(rows):,} assignment rows alone: {base:.2f} s (apply = {total / base:.1f}×)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--leads", type=int, default=100_000)
    parser.add_argument("--reps", type=int, default=1_000)
    parser.add_argument("--skip-apply", action="store_true")
    parser.add_argument("--skip-engine", action="store_true")
    args = parser.parse_args()
    if not args.skip_engine:
        bench_engine(args.leads, args.reps)
    if not args.skip_apply:
        bench_apply(args.leads, args.reps)
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of the process: {peak_rss:.0f} MB; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
