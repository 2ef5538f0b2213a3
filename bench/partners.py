"""Time the partner program on PostgreSQL: the conflict check of one registration and the
approval queue page.

Run (against a scratch database; migrate runs first):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/revops_bench_partners DJANGO_DEBUG=false \
    DJANGO_SETTINGS_MODULE=revops.settings.local .venv/bin/python bench/partners.py \
    [--partners 5000] [--accounts 200000] [--registrations 50000] [--pending 10000]

Builds a new organization with that many partners, accounts (matching keys filled as the
model's save does), open deals on a tenth of the accounts and registrations (`--pending` of them
waiting, the rest approved, rejected or expired), then measures:

- the conflict check (`partners.selectors.conflicts.conflict_check`, the read
  `registration_submit` stores) for 50 companies — half named like an existing account (same
  domain, or a name one letter off), half new — median and p95, target median ≤ 50 ms; the
  baseline in the same run is one indexed primary-key fetch of an account;
- the approval queue page (`GET /partners/registrations/` as a manager: the view, its
  selectors and the template) with `--pending` registrations waiting: median of 10 requests,
  target ≤ 300 ms, and its query count (constant: tests/partners/test_views_queue.py holds a budget);
- the tier recomputation for every partner (`program_recompute`, the body of the JobRun the
  schedule and the "Recompute now" button queue: tiers, then health and alerts), run through
  that JobRun (queued and run in process), first with every partner changing tier, then again
  with nothing to change; target ≤ 30 s. Its data: a 10 % link of one partner (two on every
  third deal) on each open deal, `--revenue` revenue events over the last 400 days posted to the
  attribution ledger through its own recompute job, tiers Registered / Silver / Gold. The
  baseline in the same run is one aggregate query over the ledger (attributed revenue per
  partner in the 365-day window, the largest of the recompute's queries alone).

- the partner analytics page (`GET /partners/analytics/?period=all` as an org-wide manager:
  revenue and pipeline by partner, the matched comparison, the funnel, the leaderboard; view,
  selectors, engine and template): median of 5 requests and its query count, after a quarter of
  the deals are closed won and a quarter closed lost (segment, product line and close dates
  set). The baseline in the same run is one aggregate query: ledger credit per partner.

`--only tiers` skips the conflict check and the queue page; `--only analytics` measures the
analytics page alone (building the ledger first when missing).
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
from django.db import (  # noqa: E402
    connection,
    reset_queries,
    transaction,
)
from django.db.models import Sum  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from attribution.models import AttributionEntry, OpportunityPartner, RevenueEvent  # noqa: E402
from attribution.services.jobs import attribution_recompute_enqueue  # noqa: E402
from partners.models import DealRegistration, PartnerTierChange, ProgramTier, RegistrationStatus  # noqa: E402
from partners.selectors.conflicts import Company, conflict_check  # noqa: E402
from partners.services.standing import program_recompute_enqueue  # noqa: E402
from revops.matching import domain_key, name_key  # noqa: E402
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
from revops.selectors.account_matching import account_matches  # noqa: E402
from revops.services.periods import periods_ensure  # noqa: E402

WORDS = ["alder", "birch", "cedar", "delta", "ember", "fjord", "grove", "harbor", "iris", "juniper", "maple"]
SUFFIXES = ["Labs", "Systems", "Foods", "Logistics", "Clinics", "Energy", "Retail", "Works", "Group"]


def _company(i: int, rng: random.Random) -> tuple[str, str]:
    name = f"{rng.choice(WORDS).title()} {rng.choice(WORDS).title()} {SUFFIXES[i % len(SUFFIXES)]} {i}"
    return name, f"{name.lower().replace(' ', '')}.example"


def build(args) -> tuple[Organization, ProductLine, Membership, list[tuple[str, str]]]:
    rng = random.Random(7)
    stamp = int(time.time())
    org = Organization.objects.create(name=f"Bench partners {stamp}", slug=f"bench-partners-{stamp}")
    line = ProductLine.objects.create(organization=org, name="Analytics", code="analytics")
    user = User.objects.create_user(email=f"manager-{stamp}@bench.example", password="x")
    manager = Membership.objects.create(organization=org, user=user, role=Role.MANAGER, org_wide=True)
    partners = Partner.objects.bulk_create(
        Partner(organization=org, name=f"Partner {i}", types=["referral"]) for i in range(args.partners)
    )
    companies = [_company(i, rng) for i in range(args.accounts)]
    started = time.perf_counter()
    accounts = []
    for name, domain in companies:
        account = Account(organization=org, name=name, domain=domain)
        account.fill_match_keys()
        accounts.append(account)
    accounts = Account.objects.bulk_create(accounts, batch_size=5000)
    today = timezone.localdate()
    Opportunity.objects.bulk_create(
        (
            Opportunity(
                organization=org,
                account=a,
                name=f"{a.name} deal",
                amount=Decimal("10000"),
                created_date=today,
            )
            for a in accounts[::10]
        ),
        batch_size=5000,
    )
    statuses = [RegistrationStatus.APPROVED, RegistrationStatus.REJECTED, RegistrationStatus.EXPIRED]
    now = timezone.now()
    registrations = []
    for i in range(args.registrations):
        name, domain = companies[rng.randrange(len(companies))]
        pending = i < args.pending
        registrations.append(
            DealRegistration(
                organization=org,
                partner=partners[i % len(partners)],
                account_name=name,
                domain=domain,
                name_key=name_key(name),
                domain_key=domain_key(domain),
                estimated_value=Decimal(rng.randrange(5, 500) * 1000),
                product_line=line,
                expected_close=today + dt.timedelta(days=60),
                role="referral",
                status=RegistrationStatus.SUBMITTED if pending else statuses[i % 3],
                has_conflict=rng.random() < 0.2,
                steps=[{"name": "Channel manager", "role": "manager", "user_id": None, "sla_hours": 24}],
                step_due_at=now + dt.timedelta(hours=rng.randrange(-48, 48)),
                # Approved and expired rows need the deal link the constraint asks for.
                protected_until=None
                if pending or i % 3 == 1
                else today + dt.timedelta(days=rng.randrange(-30, 90)),
            )
        )
    # Approved rows carry a deal (the constraint): link them to the first deal.
    first_deal = Opportunity.objects.filter(organization=org).order_by("pk").first()
    for r in registrations:
        if r.status in (RegistrationStatus.APPROVED, RegistrationStatus.EXPIRED):
            r.opportunity = first_deal
            r.account_id = first_deal.account_id if first_deal else None
    DealRegistration.objects.bulk_create(registrations, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"built in {time.perf_counter() - started:.1f} s: {args.partners:,} partners, {args.accounts:,} accounts, "
        f"{len(accounts[::10]):,} open deals, {args.registrations:,} registrations ({args.pending:,} pending)"
    )
    return org, line, manager, companies


def bench_conflicts(org, line, companies) -> None:
    rng = random.Random(11)
    samples = []
    for i in range(50):
        name, domain = companies[rng.randrange(len(companies))]
        if i % 4 == 0:
            name, domain = name[:-1] + "x", ""  # a name one letter off, no domain
        elif i % 4 == 1:
            name = f"Brand New Venture {i}"
            domain = f"brandnew{i}.example"
        samples.append(Company(name=name, domain=domain, partner_id=0, product_line_id=line.pk))
    today = timezone.localdate()
    conflict_check(org, samples[0], today=today)  # warm
    times = []
    for company in samples:
        t0 = time.perf_counter()
        conflict_check(org, company, today=today)
        times.append((time.perf_counter() - t0) * 1000)
    pk = Account.objects.filter(organization=org).values_list("pk", flat=True)[1000]
    base = []
    for _ in range(50):
        t0 = time.perf_counter()
        Account.objects.get(pk=pk)
        base.append((time.perf_counter() - t0) * 1000)
    matching = []
    for company in samples:
        t0 = time.perf_counter()
        account_matches(org, name=company.name, domain=company.domain)
        matching.append((time.perf_counter() - t0) * 1000)
    print(
        f"of which the core account matching (account_matches): median {statistics.median(matching):.1f} ms"
    )
    times.sort()
    print(
        f"conflict check: median {statistics.median(times):.1f} ms, p95 {times[int(len(times) * 0.95)]:.1f} ms "
        f"(50 companies); baseline pk fetch median {statistics.median(base):.2f} ms "
        f"→ {statistics.median(times) / statistics.median(base):.0f}×"
    )


def bench_queue(manager) -> None:
    client = Client(SERVER_NAME="localhost")
    client.force_login(manager.user)
    client.get("/partners/registrations/")  # warm
    times = []
    for _ in range(10):
        t0 = time.perf_counter()
        response = client.get("/partners/registrations/")
        times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get("/partners/registrations/")
    print(
        f"approval queue page: median {statistics.median(times):.0f} ms over 10 requests, "
        f"{len(queries)} queries, {len(response.content) / 1024:.0f} KiB"
    )


def build_ledger(org: Organization, manager: Membership, events: int) -> None:
    """Partner links on every open deal, revenue events, the ledger posted by its own job."""
    if AttributionEntry.objects.filter(organization=org).exists():
        return
    started = time.perf_counter()
    rng = random.Random(13)
    today = timezone.localdate()
    periods_ensure(organization=org, start=today - dt.timedelta(days=400), end=today)
    partners = list(Partner.objects.filter(organization=org).order_by("pk").values_list("pk", flat=True))
    deals = list(Opportunity.objects.filter(organization=org).order_by("pk").values_list("pk", "account_id"))
    links = []
    for i, (deal_id, _account) in enumerate(deals):
        chosen = {partners[i % len(partners)]}
        if i % 3 == 0:
            chosen.add(partners[(i * 7 + 1) % len(partners)])
        links += [
            OpportunityPartner(
                organization=org,
                opportunity_id=deal_id,
                partner_id=p,
                role="referral",
                split_percent=Decimal("10"),
            )
            for p in chosen
        ]
    OpportunityPartner.objects.bulk_create(links, batch_size=5000)
    now = timezone.now()
    source = RevenueEvent.Source.DAILY_ACCOUNT_REVENUE.value
    columns = "organization_id, opportunity_id, account_id, date, amount, source, external_id, created_at, updated_at"
    with (
        transaction.atomic(),
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {RevenueEvent._meta.db_table} ({columns}) FROM STDIN") as copy,
    ):
        for n in range(events):
            deal_id, account_id = deals[n % len(deals)]
            day = today - dt.timedelta(days=rng.randrange(0, 400))
            amount = Decimal(rng.randint(10_000, 2_000_000)) / 100
            copy.write_row((org.pk, deal_id, account_id, day, amount, source, "", now, now))
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {RevenueEvent._meta.db_table}")
        cursor.execute(f"ANALYZE {OpportunityPartner._meta.db_table}")
    with transaction.atomic():
        job, _ = attribution_recompute_enqueue(
            organization=org, actor=manager.user, idempotency_key=f"bench-ledger-{org.pk}"
        )
    job.refresh_from_db()
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {AttributionEntry._meta.db_table}")
    print(
        f"ledger built in {time.perf_counter() - started:.1f} s: {len(links):,} partner links, {events:,} revenue "
        f"events, {AttributionEntry.objects.filter(organization=org).count():,} ledger entries (job {job.status})"
    )


def bench_tiers(org: Organization, manager: Membership) -> None:
    if not ProgramTier.objects.filter(organization=org).exists():
        ProgramTier.objects.create(organization=org, tier=Partner.Tier.REGISTERED, rank=1)
        ProgramTier.objects.create(
            organization=org, tier=Partner.Tier.SILVER, rank=2, min_attributed_revenue=Decimal("5000")
        )
        ProgramTier.objects.create(
            organization=org,
            tier=Partner.Tier.GOLD,
            rank=3,
            min_attributed_revenue=Decimal("15000"),
            min_registrations_won=1,
        )
    # Baseline: one aggregate over the ledger, attributed revenue per partner in 365 days.
    start = timezone.localdate() - dt.timedelta(days=364)
    base = []
    for _ in range(3):
        t0 = time.perf_counter()
        rows = list(
            AttributionEntry.objects.filter(organization=org, revenue_event__date__gte=start)
            .order_by()
            .values("partner_id")
            .annotate(total=Sum("amount"))
        )
        base.append(time.perf_counter() - t0)
    baseline = statistics.median(base)
    print(
        f"baseline: one aggregate over the ledger (365 days, {len(rows):,} partners): {baseline * 1000:.0f} ms"
    )
    partners = Partner.objects.filter(organization=org).count()
    # Every partner back to the lowest tier, so the first run changes (and records) every tier.
    Partner.objects.filter(organization=org).update(tier=Partner.Tier.REGISTERED)
    for label in ("first run (tiers change)", "second run (nothing to change)"):
        before = PartnerTierChange.objects.filter(organization=org).count()
        t0 = time.perf_counter()
        with transaction.atomic():
            job, _ = program_recompute_enqueue(organization=org, acting_user=manager.user)
        elapsed = time.perf_counter() - t0
        job = JobRun.objects.get(pk=job.pk)
        changes = PartnerTierChange.objects.filter(organization=org).count() - before
        print(
            f"tier recomputation, {partners:,} partners, {label}: {elapsed:.2f} s through the JobRun "
            f"({job.status}; {changes:,} tier changes; {job.counts}) → {elapsed / baseline:.1f}× the baseline "
            f"(target ≤ 30 s)"
        )


def close_deals(org: Organization, line: ProductLine) -> None:
    """A quarter of the deals closed won, a quarter lost; segments and sizes varied (once)."""
    from django.db.models import F

    deals = Opportunity.objects.filter(organization=org)
    if deals.filter(stage__in=("closed_won", "closed_lost")).exists():
        return
    today = timezone.localdate()
    numbered = deals.annotate(m=F("id") % 4)
    numbered.filter(m=0).update(
        stage="closed_won", close_date=today - dt.timedelta(days=20), product_line=line
    )
    numbered.filter(m=1).update(
        stage="closed_lost", close_date=today - dt.timedelta(days=40), product_line=line
    )
    numbered.filter(m=2).update(amount=Decimal("60000"), product_line=line)
    accounts = Account.objects.filter(organization=org).annotate(m=F("id") % 3)
    for m, segment in enumerate(("smb", "mid_market", "enterprise")):
        accounts.filter(m=m).update(segment=segment)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def bench_analytics(org: Organization, manager: Membership, line: ProductLine) -> None:
    close_deals(org, line)
    client = Client(SERVER_NAME="localhost")
    client.force_login(manager.user)
    url = "/partners/analytics/?period=all"
    client.get(url)  # warm: templates, plotly layout
    samples = []
    for _ in range(5):
        started = time.perf_counter()
        response = client.get(url)
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200, response.status_code
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    base = []
    for _ in range(5):
        started = time.perf_counter()
        list(
            AttributionEntry.objects.filter(organization=org)
            .values("partner_id")
            .annotate(t=Sum("amount"))
            .order_by()
        )
        base.append(time.perf_counter() - started)
    closed = Opportunity.objects.filter(organization=org, stage__in=("closed_won", "closed_lost")).count()
    print(
        f"analytics page: median {statistics.median(samples) * 1000:.0f} ms (max {max(samples) * 1000:.0f} ms), "
        f"{len(queries.captured_queries)} queries; {closed:,} closed deals; baseline (ledger credit per "
        f"partner, one query) median {statistics.median(base) * 1000:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--partners", type=int, default=5000)
    parser.add_argument("--accounts", type=int, default=200_000)
    parser.add_argument("--registrations", type=int, default=50_000)
    parser.add_argument("--pending", type=int, default=10_000)
    parser.add_argument("--revenue", type=int, default=200_000, help="revenue events for the tier figure")
    parser.add_argument(
        "--only",
        choices=["tiers", "analytics"],
        default=None,
        help="measure only the tier recomputation or analytics",
    )
    parser.add_argument("--reuse", action="store_true", help="measure the newest bench organization again")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run against PostgreSQL (DATABASE_URL=postgres://...).")
    call_command("migrate", verbosity=0)
    if args.reuse:
        org = Organization.objects.filter(slug__startswith="bench-partners-").latest("pk")
        line = ProductLine.objects.get(organization=org, code="analytics")
        manager = Membership.objects.get(organization=org, role=Role.MANAGER)
        companies = list(Account.objects.filter(organization=org).values_list("name", "domain"))
    else:
        org, line, manager, companies = build(args)
    if args.only is None:
        bench_conflicts(org, line, companies)
        bench_queue(manager)
    build_ledger(org, manager, args.revenue)
    if args.only != "analytics":
        bench_tiers(org, manager)
    if args.only in (None, "analytics"):
        bench_analytics(org, manager, line)
    reset_queries()


if __name__ == "__main__":
    main()
