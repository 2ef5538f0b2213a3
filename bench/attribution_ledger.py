"""Time the attribution ledger on PostgreSQL: posting, its raw-COPY baselines, the ledger pages.

Run (against an existing scratch database, empty or not; migrate runs first):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/revops_bench_ledger DJANGO_DEBUG=false \
    DJANGO_SETTINGS_MODULE=revops.settings.local \
    .venv/bin/python bench/attribution_ledger.py [--scale 1.0] [--repeat 20] [--skip-changes]

Builds a seeded book in a new organization (`--scale` × 100,000 deals with 1-4 partner links,
20 rules, `--scale` × 1,000,000 revenue events over twelve months), then prints, each with its
baseline from the same run:

- the engine's split time alone;
- the full posting through the job users trigger (`attribution_recompute_enqueue`: a JobRun,
  run by the task on commit), against a raw COPY of the same rows into a table of the same
  definition without foreign keys (`LIKE ... INCLUDING ALL`: indexes, checks, defaults) and
  into a bare table (no index, constraint or trigger);
- the ledger explorer and the partner performance page as an organization-wide admin through
  django.test.Client: median and p95 of `--repeat` requests and the query count;
- unless `--skip-changes`: a rule change on the product line holding 10 % of the deals and a
  one-deal split change, each through the service the page calls (which queues the job).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import os
import pstats
import random
import resource
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "revops.settings.local")

import django

django.setup()

from django.conf import settings as django_settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from attribution.engine import compute_splits  # noqa: E402
from attribution.models import (  # noqa: E402
    AttributionEntry,
    AttributionExplanation,
    AttributionLedgerTotal,
    AttributionRule,
    OpportunityPartner,
    RevenueEvent,
)
from attribution.selectors.rule_sets import active_rule_specs  # noqa: E402
from attribution.selectors.splits import engine_settings, load_facts  # noqa: E402
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
TABLE = AttributionEntry._meta.db_table
PAGE_TARGET_MS = 300.0
POSTING_TARGET_RATIO = 1.5


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
        rule_create(organization=org, actor=admin.user, name=f"Rule {i}", priority=i, definition=definition)
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
    # What autovacuum does some time after a bulk load: statistics of the tables just filled,
    # so the posting and the pages plan on them (stale ones made the explorer's account filter
    # choices a 1.5 s nested scan at full size).
    with connection.cursor() as cursor:
        for model in (Account, Opportunity, OpportunityPartner, Partner, RevenueEvent):
            cursor.execute(f"ANALYZE {model._meta.db_table}")
    pl0_deals = [o.pk for o in opps if o.product_line_id == lines[0].pk]
    return org, admin, pl0_deals


def post_through_job(org: Organization, admin: Membership, key: str) -> tuple[float, JobRun]:
    """Queue the recompute as the pages do; the task runs on commit (in process without a broker)."""
    t0 = time.perf_counter()
    with transaction.atomic():
        job, _ = attribution_recompute_enqueue(organization=org, actor=admin.user, idempotency_key=key)
    elapsed = time.perf_counter() - t0
    job.refresh_from_db()
    return elapsed, job


def copy_baselines(org: Organization) -> dict[str, float]:
    """COPY the posted rows again into (a) the same definition without foreign keys, (b) a bare table.

    The rows are exported first (to a temporary file, so memory stays flat), then each import
    is timed alone, committed, and its table dropped.
    """
    columns = [f.column for f in AttributionEntry._meta.concrete_fields]
    column_list = ", ".join(columns)
    out: dict[str, float] = {}
    with tempfile.TemporaryFile() as dump:
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(
                f"COPY (SELECT {column_list} FROM {TABLE} "  # noqa: S608 (names from model metadata)
                f"WHERE organization_id = {int(org.pk)} ORDER BY sequence) TO STDOUT"
            ) as copy,
        ):
            for chunk in copy:
                dump.write(chunk)
        for name, like in (
            ("same definition, no FKs", "INCLUDING ALL"),
            ("bare table", ""),
        ):
            table = "bench_raw_copy"
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE IF EXISTS {table}")
                cursor.execute(f"CREATE TABLE {table} (LIKE {TABLE} {like})")
            dump.seek(0)
            t0 = time.perf_counter()
            with (
                transaction.atomic(),
                connection.cursor() as cursor,
                cursor.cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy,
            ):
                while chunk := dump.read(1 << 20):
                    copy.write(chunk)
            out[name] = time.perf_counter() - t0
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE {table}")
    return out


def measure_page(client: Client, url: str, repeat: int) -> tuple[float, float, int, int]:
    """(median ms, p95 ms, queries, status) of `repeat` requests after three warm-up ones."""
    for _ in range(3):
        client.get(url)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return statistics.median(times), p95, len(captured.captured_queries), response.status_code


def run(
    deals_n: int, events_n: int, seed: int, repeat: int, changes: bool, profile: str | None = None
) -> dict:
    """Build a book of the given size; time posting, its baselines, the pages and the changes."""
    out: dict = {"size": f"{deals_n:,} deals, {events_n:,} events"}
    t0 = time.perf_counter()
    org, admin, pl0_deals = build(deals_n, events_n, seed)
    print(f"setup: {out['size']} in {time.perf_counter() - t0:.1f} s")

    deals, accounts, links = load_facts(org)
    specs, _ = active_rule_specs(organization=org)
    settings = engine_settings(org)
    t0 = time.perf_counter()
    results = compute_splits(deals, accounts, links, specs, settings)
    out["splits_s"] = time.perf_counter() - t0
    print(f"splits (engine only): {len(results):,} links in {out['splits_s']:.2f} s")

    if profile:
        # The posting under cProfile (several times slower): where its time goes, not its time.
        profiler = cProfile.Profile()
        post_s, job = profiler.runcall(post_through_job, org, admin, f"bench-{org.slug}-full")
        profiler.dump_stats(profile)
        print(f"profile of the posting written to {profile} (times below are under the profiler)")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    else:
        post_s, job = post_through_job(org, admin, f"bench-{org.slug}-full")
    entries = AttributionEntry.objects.filter(organization=org).count()
    out.update(entries=entries, post_s=post_s)
    print(
        f"full posting through the job: {entries:,} entries in {post_s:.1f} s "
        f"({entries / post_s:,.0f} rows/s; job {job.status}, {job.counts}); "
        f"{AttributionExplanation.objects.filter(organization=org).count():,} distinct explanations, "
        f"{AttributionLedgerTotal.objects.filter(organization=org).count():,} totals rows; "
        f"peak RSS {peak_rss_mb():,.0f} MB"
    )
    baselines = copy_baselines(org)
    for name, seconds in baselines.items():
        print(
            f"  raw COPY of the same {entries:,} rows, {name}: {seconds:.1f} s → posting ×{post_s / seconds:.2f}"
        )
    out["ratio"] = post_s / baselines["same definition, no FKs"]
    out["ratio_bare"] = post_s / baselines["bare table"]
    print(f"  posting ÷ raw COPY (same definition): {out['ratio']:.2f} (target ≤ {POSTING_TARGET_RATIO})")

    client = Client()
    client.force_login(admin.user)
    partner = Partner.objects.filter(organization=org).order_by("pk").first()
    pages = {
        "ledger explorer": reverse("attribution:ledger"),
        "ledger explorer, one partner": f"{reverse('attribution:ledger')}?partner={partner.pk}",
        "partner performance (last 12 months)": reverse("attribution:partners"),
        "partner performance (all time)": f"{reverse('attribution:partners')}?period=all",
    }
    for page, url in pages.items():
        median, p95, queries, status = measure_page(client, url, repeat)
        out[page] = median
        print(
            f"  {page}: median {median:.0f} ms, p95 {p95:.0f} ms, {queries} queries, HTTP {status} "
            f"(target ≤ {PAGE_TARGET_MS:.0f} ms)"
        )

    if changes:
        rule = AttributionRule.objects.get(organization=org, name="Rule 0")
        t0 = time.perf_counter()
        rule_update(
            organization=org,
            actor=admin.user,
            rule=rule,
            reason="bench: raise the pl0 split",
            definition={
                "action": {"kind": "set_split", "percent": "9"},
                "conditions": {"product_lines": ["pl0"], "roles": []},
            },
        )
        out["rule_s"] = time.perf_counter() - t0
        last = JobRun.objects.filter(organization=org).order_by("-pk").first()
        print(
            f"rule change on {len(pl0_deals):,} deals (10 %), rule_update with its queued job: "
            f"{out['rule_s']:.1f} s (job {last.status}, {last.counts})"
        )
        link = OpportunityPartner.objects.filter(organization=org).order_by("pk").first()
        t0 = time.perf_counter()
        with transaction.atomic():
            opportunity_partner_set(
                membership=admin,
                opportunity=link.opportunity,
                partner=link.partner,
                role=link.role,
                split_percent=Decimal("17"),
                reason="bench: one-deal split change",
            )
        out["one_deal_s"] = time.perf_counter() - t0
        last = JobRun.objects.filter(organization=org).order_by("-pk").first()
        print(
            f"one-deal split change with what it queues: {out['one_deal_s'] * 1000:.0f} ms "
            f"(latest job {last.kind} {last.status}, {last.counts})"
        )
    print(
        f"ledger rows: {AttributionEntry.objects.filter(organization=org).count():,}; "
        f"peak RSS {peak_rss_mb():,.0f} MB; load average {os.getloadavg()[0]:.1f}"
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="× 100,000 deals and 1,000,000 events")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=20, help="requests per page")
    parser.add_argument("--skip-changes", action="store_true", help="no rule change or one-deal change")
    parser.add_argument("--profile", metavar="FILE", help="run the posting under cProfile, stats to FILE")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Point DATABASE_URL at a PostgreSQL database.")
    django_settings.ALLOWED_HOSTS = [*django_settings.ALLOWED_HOSTS, "testserver"]
    call_command("migrate", verbosity=0)
    print(f"load average at start: {os.getloadavg()[0]:.1f}")
    run(
        max(10, round(100_000 * args.scale)),
        max(100, round(1_000_000 * args.scale)),
        args.seed,
        args.repeat,
        not args.skip_changes,
        args.profile,
    )


if __name__ == "__main__":
    main()
