"""Time the attribution ledger end to end on PostgreSQL: splits, posting, a rule-change adjustment.

Run (against an existing scratch database, empty or not; migrate runs first):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/revops_bench_ledger \
    DJANGO_SETTINGS_MODULE=revops.settings.local \
    .venv/bin/python bench/attribution_ledger.py [--deals 100000] [--events 1000000]

Builds a seeded book in a new organization (deals with 1-4 partner links, 20 rules, revenue
events spread over twelve months), then prints: the engine's split time alone, the full
posting time (COPY, hashes chained in Python; the commit with its deferred foreign-key checks
timed apart) with rows/s and peak RSS, and the time to post the adjustments after a rule
change that affects 10 % of the deals (`attribution_recompute(previous_rules=...)`: the
accounts the changed rule can reach are loaded once and split under the old and the new rule
set, and only the deals whose shares changed are recomputed). `--baseline` runs one
tenth of the size first in the same process and prints how the times scale.
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
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

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
from revops.models import Account, Membership, Opportunity, Organization, Partner, ProductLine, Role, User  # noqa: E402

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
    admin = Membership.objects.create(organization=org, user=user, role=Role.ADMIN)
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
    # Revenue events go in with COPY: bulk_create of a million rows would dominate the setup.
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
            copy.write_row(
                (
                    org.pk,
                    opp.pk,
                    opp.account_id,
                    dt.date(2026, 1 + n % 12, 1 + n % 28),
                    Decimal(rng.randint(100, 100_000)) / 100,
                    source,
                    "",
                    now,
                    now,
                )
            )
    pl0_deals = [o.pk for o in opps if o.product_line_id == lines[0].pk]
    return org, admin, pl0_deals


def run(deals_n: int, events_n: int, seed: int) -> dict:
    """Build a book of the given size and time splits, posting and a rule change on it."""
    out: dict = {"size": f"{deals_n:,} deals, {events_n:,} events"}
    t0 = time.perf_counter()
    org, admin, pl0_deals = build(deals_n, events_n, seed)
    print(f"setup: {out['size']} in {time.perf_counter() - t0:.1f} s")

    deals, accounts, links = _load_facts(org)
    specs, _ = active_rule_specs(organization=org)
    settings = engine_settings(org)
    t0 = time.perf_counter()
    results = compute_splits(deals, accounts, links, specs, settings)
    out["splits_s"] = time.perf_counter() - t0
    print(f"splits (engine only): {len(results):,} links in {out['splits_s']:.2f} s  (target ≤ 5 s)")

    # The posting runs in an outer transaction so the commit, where PostgreSQL runs the
    # deferred foreign-key checks of every new row, is timed on its own.
    t0 = time.perf_counter()
    with transaction.atomic():
        posted = attribution_recompute(organization=org)
        write_s = time.perf_counter() - t0
    post_s = time.perf_counter() - t0
    out.update(entries=posted.entries, post_s=post_s, rate=posted.entries / post_s)
    print(
        f"full posting: {posted.entries:,} entries in {post_s:.1f} s = {out['rate']:,.0f} rows/s "
        f"(target ≤ 60 s): {write_s:.1f} s to compute and COPY, {post_s - write_s:.1f} s commit "
        f"(deferred FK checks); peak RSS {peak_rss_mb():,.0f} MB"
    )

    rule = AttributionRule.objects.get(organization=org, name="Rule 0")
    t0 = time.perf_counter()
    before = active_rule_specs(organization=org)
    before_s = time.perf_counter() - t0
    rule_update(
        membership=admin,
        rule=rule,
        reason="bench: raise the pl0 split",
        definition={
            "action": {"kind": "set_split", "percent": "9"},
            "conditions": {"product_lines": ["pl0"], "roles": []},
        },
    )
    adjusted = attribution_recompute(organization=org, previous_rules=before)
    out["adjust_s"] = time.perf_counter() - t0
    out["adjustments"] = adjusted.entries
    print(
        f"rule change on {len(pl0_deals):,} deals (10 %): {adjusted.entries:,} adjustments over "
        f"{adjusted.events:,} events in {out['adjust_s']:.1f} s (target ≤ 10 s; of which "
        f"{before_s:.2f} s for the rule set before the change)"
    )
    print(
        f"ledger rows: {AttributionEntry.objects.filter(organization=org).count():,}; "
        f"peak RSS {peak_rss_mb():,.0f} MB; load average {os.getloadavg()[0]:.1f}"
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--baseline", action="store_true", help="first run at one tenth of the size, then compare"
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Point DATABASE_URL at a PostgreSQL database.")
    call_command("migrate", verbosity=0)
    print(f"load average at start: {os.getloadavg()[0]:.1f}")
    base = run(args.deals // 10, args.events // 10, args.seed) if args.baseline else None
    full = run(args.deals, args.events, args.seed)
    if base:
        per_row = (full["post_s"] / full["entries"]) / (base["post_s"] / base["entries"])
        print(
            f"scaling ×10 size: posting time ×{full['post_s'] / base['post_s']:.1f}, "
            f"time per entry ×{per_row:.2f}, rule change ×{full['adjust_s'] / base['adjust_s']:.1f}"
        )


if __name__ == "__main__":
    main()
