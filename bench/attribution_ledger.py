"""Time the attribution ledger end to end on PostgreSQL: splits, posting, a rule-change adjustment.

Run (against a scratch database; it is created by migrate if empty):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/revops_bench_ledger \
    DJANGO_SETTINGS_MODULE=revops.settings.local \
    .venv/bin/python bench/attribution_ledger.py [--deals 100000] [--events 1000000]

Builds a seeded book in a new organization (deals with 1-4 partner links, 20 rules, revenue
events spread over twelve months), then prints: the engine's split time alone, the full
posting time (bulk INSERTs, hashes chained in Python) with rows/s and peak RSS, and the time
to post the adjustments after a rule change that affects 10 % of the deals.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "revops.settings.local")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from attribution.engine import compute_splits  # noqa: E402
from attribution.models import (  # noqa: E402
    AttributionEntry,
    AttributionRule,
    OpportunityPartner,
    RevenueEvent,
)
from attribution.services.recompute import attribution_recompute  # noqa: E402
from attribution.services.rules import active_rule_specs, rule_create, rule_update  # noqa: E402
from attribution.services.split_inputs import _load_facts, engine_settings  # noqa: E402
from revops.models import Account, Membership, Opportunity, Organization, Partner, ProductLine, User  # noqa: E402

ROLES = ["si", "influence", "referral", "isv"]
STAGES = ["proposal", "negotiation", "closed_won"]
BATCH = 5000


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(deals: int, events: int, seed: int) -> tuple[Organization, Membership, list[int]]:
    rng = random.Random(seed)
    slug = f"bench-ledger-{int(time.time())}"
    org = Organization.objects.create(name=slug, slug=slug)
    user = User.objects.create_user(email=f"{slug}@bench.example")
    admin = Membership.objects.create(organization=org, user=user, role="admin")
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
    links = []
    for opp in opps:
        for partner in rng.sample(partners, rng.randint(1, 4)):
            manual = None if rng.random() < 0.7 else Decimal(rng.randint(1, 20))
            links.append(
                OpportunityPartner(
                    organization=org,
                    opportunity=opp,
                    partner=partner,
                    role=rng.choice(ROLES),
                    split_percent=manual,
                )
            )
    OpportunityPartner.objects.bulk_create(links, batch_size=BATCH)
    for i in range(20):
        definition = {
            "action": {"kind": "set_split", "percent": str(5 + i % 15)},
            "conditions": {"product_lines": [f"pl{i % 10}"], "roles": [ROLES[i % 4]] if i >= 10 else []},
        }
        rule_create(membership=admin, name=f"Rule {i}", priority=i, definition=definition)
    for start in range(0, events, BATCH):
        RevenueEvent.objects.bulk_create(
            [
                RevenueEvent(
                    organization=org,
                    opportunity_id=opps[n % deals].pk,
                    account_id=opps[n % deals].account_id,
                    date=dt.date(2026, 1 + n % 12, 1 + n % 28),
                    amount=Decimal(rng.randint(100, 100_000)) / 100,
                    source=RevenueEvent.Source.DAILY_ACCOUNT_REVENUE,
                )
                for n in range(start, min(start + BATCH, events))
            ]
        )
    pl0_deals = [o.pk for o in opps if o.product_line_id == lines[0].pk]
    return org, admin, pl0_deals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Point DATABASE_URL at a PostgreSQL database.")
    call_command("migrate", verbosity=0)

    t0 = time.perf_counter()
    org, admin, pl0_deals = build(args.deals, args.events, args.seed)
    print(f"setup: {args.deals:,} deals, {args.events:,} revenue events in {time.perf_counter() - t0:.1f} s")

    deals, accounts, links = _load_facts(org)
    specs, _ = active_rule_specs(organization=org)
    settings = engine_settings(org)
    t0 = time.perf_counter()
    results = compute_splits(deals, accounts, links, specs, settings)
    splits_s = time.perf_counter() - t0
    print(f"splits (engine only): {len(results):,} links in {splits_s:.2f} s  (target ≤ 5 s)")

    t0 = time.perf_counter()
    posted = attribution_recompute(organization=org)
    post_s = time.perf_counter() - t0
    print(
        f"full posting: {posted.entries:,} entries in {post_s:.1f} s = {posted.entries / post_s:,.0f} rows/s "
        f"(target ≤ 60 s); peak RSS {peak_rss_mb():,.0f} MB"
    )

    rule = AttributionRule.objects.get(organization=org, name="Rule 0")
    t0 = time.perf_counter()
    rule_update(
        membership=admin,
        rule=rule,
        reason="bench: raise the pl0 split",
        definition={
            "action": {"kind": "set_split", "percent": "9"},
            "conditions": {"product_lines": ["pl0"], "roles": []},
        },
    )
    adjusted = attribution_recompute(organization=org, opportunity_ids=pl0_deals)
    adjust_s = time.perf_counter() - t0
    print(
        f"rule change on {len(pl0_deals):,} deals (10 %): {adjusted.entries:,} adjustments over "
        f"{adjusted.events:,} events in {adjust_s:.1f} s (target ≤ 10 s)"
    )
    print(
        f"ledger rows: {AttributionEntry.objects.filter(organization=org).count():,}; peak RSS {peak_rss_mb():,.0f} MB"
    )


if __name__ == "__main__":
    main()
