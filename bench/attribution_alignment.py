"""Time the ledger alignment users trigger on PostgreSQL: a rule change and a one-deal split change.

Run (against a scratch database; migrate runs first):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/revops_bench_align \
    DJANGO_SETTINGS_MODULE=revops.settings.local \
    .venv/bin/python bench/attribution_alignment.py [--deals 100000] [--events 1000000]

Builds a seeded book in a new organization (20 rules, deals with 1-4 partner links, revenue
events over twelve months), posts it through the alignment job (which records the rule set and
settings it aligned to), then times, each through the service the pages call and the job it
queues (run in-process on commit, as without a broker):

- a rule change reaching 10 % of the deals (`rule_update`: the job finds the accounts the
  changed rule can reach, splits them under the old and the new rule set and posts only the
  deals whose shares moved), target ≤ 10 s;
- a one-deal split change (`opportunity_partner_set`: the job recomputes that deal's account
  only), target ≤ 200 ms, median of several changes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "revops.settings.local")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from attribution.models import AttributionEntry, AttributionRule, OpportunityPartner, RevenueEvent  # noqa: E402
from attribution.services.jobs import attribution_recompute_enqueue  # noqa: E402
from attribution.services.links import opportunity_partner_set  # noqa: E402
from attribution.services.rules import rule_create, rule_update  # noqa: E402
from revops.models import (  # noqa: E402
    Account,
    JobRun,
    Membership,
    Opportunity,
    Organization,
    Partner,
    ProductLine,
    Role,
    User,
)

ROLES = ["si", "influence", "referral", "isv"]
STAGES = ["proposal", "negotiation", "closed_won"]
BATCH = 5000


def build(deals: int, events: int, seed: int) -> tuple[Organization, Membership]:
    """The book of bench/attribution_ledger.py; the rules are saved first, while the book is
    empty, so the alignment jobs their saves queue cost nothing."""
    rng = random.Random(seed)
    slug = f"bench-align-{int(time.time())}"
    org = Organization.objects.create(name=slug, slug=slug)
    user = User.objects.create_user(email=f"{slug}@bench.example")
    admin = Membership.objects.create(organization=org, user=user, role=Role.ADMIN)
    for i in range(20):
        rule_create(
            organization=org,
            actor=user,
            name=f"Rule {i}",
            priority=i,
            definition={
                "action": {"kind": "set_split", "percent": str(5 + i % 15)},
                "conditions": {"product_lines": [f"pl{i % 10}"], "roles": [ROLES[i % 4]] if i >= 10 else []},
            },
        )
    lines = ProductLine.objects.bulk_create(
        [ProductLine(organization=org, name=f"Line {i}", code=f"pl{i}") for i in range(10)]
    )
    partners = Partner.objects.bulk_create(
        [Partner(organization=org, name=f"Partner {i}", types=["referral"]) for i in range(500)]
    )
    accounts = Account.objects.bulk_create(
        [Account(organization=org, name=f"Account {i}") for i in range(deals // 5)], batch_size=BATCH
    )
    opps = Opportunity.objects.bulk_create(
        [
            Opportunity(
                organization=org,
                account=accounts[i % len(accounts)],
                name=f"Deal {i}",
                stage=rng.choice(STAGES),
                close_date=dt.date(2026, 1, 1),
                amount=Decimal(rng.randint(1_000, 200_000)),
                created_date=dt.date(2025, 12, 1),
                product_line=lines[i % 10],  # line pl0 holds exactly 10 % of the deals
            )
            for i in range(deals)
        ],
        batch_size=BATCH,
    )
    links = [
        OpportunityPartner(
            organization=org,
            opportunity=opp,
            partner=partner,
            role=rng.choice(ROLES),
            split_percent=None if rng.random() < 0.7 else Decimal(rng.randint(1, 20)),
        )
        for opp in opps
        for partner in rng.sample(partners, rng.randint(1, 4))
    ]
    OpportunityPartner.objects.bulk_create(links, batch_size=BATCH)
    now = timezone.now()
    source = RevenueEvent.Source.DAILY_ACCOUNT_REVENUE.value
    columns = "organization_id, opportunity_id, account_id, date, amount, source, external_id, created_at, updated_at"
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {RevenueEvent._meta.db_table} ({columns}) FROM STDIN") as copy,
    ):
        for n in range(events):
            opp = opps[n % deals]
            day = dt.date(2026, 1 + n % 12, 1 + n % 28)
            amount = Decimal(rng.randint(100, 100_000)) / 100
            copy.write_row((org.pk, opp.pk, opp.account_id, day, amount, source, "", now, now))
    with connection.cursor() as cursor:  # fresh planner statistics, as after any bulk load
        cursor.execute("ANALYZE")
    return org, admin


def last_job(org: Organization) -> JobRun:
    return JobRun.objects.filter(organization=org).latest("pk")


def run(deals_n: int, events_n: int, seed: int, changes: int) -> dict:
    out: dict = {}
    t0 = time.perf_counter()
    org, admin = build(deals_n, events_n, seed)
    print(f"setup: {deals_n:,} deals, {events_n:,} events in {time.perf_counter() - t0:.1f} s")

    t0 = time.perf_counter()
    with transaction.atomic():
        attribution_recompute_enqueue(organization=org, actor=admin.user, idempotency_key="bench-initial")
    job = last_job(org)
    out["initial_s"] = time.perf_counter() - t0
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"initial posting through the job: {job.counts['entries']:,} entries in {out['initial_s']:.1f} s "
        f"({job.status})"
    )

    rule = AttributionRule.objects.get(organization=org, name="Rule 0")
    t0 = time.perf_counter()
    saved = rule_update(
        organization=org,
        actor=admin.user,
        rule=rule,
        reason="bench: raise the pl0 split",
        definition={
            "action": {"kind": "set_split", "percent": "9"},
            "conditions": {"product_lines": ["pl0"]},
        },
    )
    out["rule_s"] = time.perf_counter() - t0
    job = JobRun.objects.get(pk=saved.job.pk)
    print(
        f"rule change on 10 % of deals, save + job: {out['rule_s']:.2f} s (target ≤ 10 s; {job.status}): "
        f"{job.counts['accounts']:,} accounts reached, {job.counts['events']:,} events compared, "
        f"{job.counts['entries']:,} entries posted"
    )

    rng = random.Random(seed + 1)
    fixed = list(
        OpportunityPartner.objects.filter(organization=org, split_percent__isnull=False)
        .select_related("opportunity", "partner")
        .order_by("pk")[:2000]
    )
    timings = []
    for link in rng.sample(fixed, changes):
        t0 = time.perf_counter()
        opportunity_partner_set(
            membership=admin,
            opportunity=link.opportunity,
            partner=link.partner,
            role=link.role,
            split_percent=link.split_percent + 1 if link.split_percent < 50 else link.split_percent - 1,
            reason="bench: one deal",
        )
        timings.append(time.perf_counter() - t0)
        job = last_job(org)
        assert job.status == JobRun.Status.SUCCEEDED and job.counts["accounts"] == 1, job.counts
    out["deal_ms"] = statistics.median(timings) * 1000
    print(
        f"one-deal split change, save + job: median {out['deal_ms']:.0f} ms over {changes} changes "
        f"(min {min(timings) * 1000:.0f}, max {max(timings) * 1000:.0f}; target ≤ 200 ms); "
        f"last job compared {job.counts['events']:,} events, posted {job.counts['entries']} entries"
    )
    print(
        f"ledger rows: {AttributionEntry.objects.filter(organization=org).count():,}; "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--changes", type=int, default=9, help="one-deal changes to time")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Point DATABASE_URL at a PostgreSQL database.")
    call_command("migrate", verbosity=0)
    print(f"load average at start: {os.getloadavg()[0]:.1f}")
    run(args.deals, args.events, args.seed, args.changes)


if __name__ == "__main__":
    main()
