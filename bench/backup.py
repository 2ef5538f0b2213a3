"""Time an organization's backup and restore, against a plain COPY of the same rows.

Run (against a scratch database; migrate runs first):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/revops_bench_backup DJANGO_DEBUG=false \
    DJANGO_SETTINGS_MODULE=revops.settings.local \
    .venv/bin/python bench/backup.py [--deals 5000] [--events 100000] [--scale 1] [--format xlsx]

Builds a generated organization (`--scale` × `--deals` deals on one account per ten deals,
50 partners, `--scale` × `--events` revenue events over twelve months, one attribution
ledger entry per event posted through the ledger kit; deals and events are written with the
bulk writer, COPY on PostgreSQL, their ids drawn first), then, in one process:

- the baseline: `COPY (SELECT … WHERE organization) TO STDOUT` of every backed-up table into
  a temporary file (PostgreSQL; on SQLite a cursor read of the same rows written as CSV);
- the backup (`revops.backup.writer.backup_write`) into a temporary file: time, file size,
  rows per second, and the ratio to the baseline;
- the restore (`revops.backup.restore.backup_restore`) into a new organization: time (it
  includes re-chaining and verifying the ledger and checking every count and total);
- peak RSS of the process after each step (the generation's own peak is printed first).

`--scale 10 --deals 10000` gives the issue's size: 100,000 deals and 1,000,000 revenue events.
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
import tempfile
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

from attribution.models import AttributionExplanation, RevenueEvent  # noqa: E402
from attribution.models.ledger import ATTRIBUTION_LEDGER  # noqa: E402
from revops.backup.registry import backup_tables  # noqa: E402
from revops.backup.restore import backup_restore  # noqa: E402
from revops.backup.writer import backup_write, table_queryset  # noqa: E402
from revops.bulk import IdPool, bulk_insert  # noqa: E402
from revops.ledger.chain import content_mac, current_key  # noqa: E402
from revops.ledger.writer import ledger_append  # noqa: E402
from revops.models import Account, FiscalPeriod, Membership, Opportunity, Organization, Partner, Role, User  # noqa: E402
from revops.services.periods import periods_ensure  # noqa: E402

BATCH = 5000
CREATED = dt.date(2025, 12, 1)
STAGES = ["prospecting", "qualification", "proposal", "negotiation", "closed_won", "closed_lost"]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(deals: int, events: int, seed: int) -> Organization:
    rng = random.Random(seed)
    slug = f"bench-backup-{int(time.time())}"
    org = Organization.objects.create(name=slug, slug=slug)
    user = User.objects.create_user(email=f"{slug}@bench.example")
    Membership.objects.create(organization=org, user=user, role=Role.ADMIN)
    periods_ensure(organization=org, start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31))
    periods = {p.start_date.month: p.pk for p in FiscalPeriod.objects.filter(organization=org)}
    partners = Partner.objects.bulk_create(
        [Partner(organization=org, name=f"Partner {i}", types=["referral"]) for i in range(50)]
    )
    accounts = Account.objects.bulk_create(
        [Account(organization=org, name=f"=Account {i}", owner=user) for i in range(max(1, deals // 10))],
        batch_size=BATCH,
    )
    # Deals and revenue events through the bulk writer (COPY on PostgreSQL), their ids drawn
    # first so each event can name its deal and the ledger its event without reading them back.
    opp_ids = IdPool(Opportunity).take(deals)
    opp_account = [accounts[i % len(accounts)].pk for i in range(deals)]

    def opportunities():
        for i, pk in enumerate(opp_ids):
            stage = rng.choice(STAGES)
            close = dt.date(2026, 1, 1) if stage.startswith("closed") else None
            amount = Decimal(rng.randint(1_000, 200_000))
            yield (pk, org.pk, opp_account[i], user.pk, f"Deal {i}", stage, close, amount, CREATED)

    opp_fields = ["id", "organization", "account", "owner", "name", "stage", "close_date", "amount"]
    bulk_insert(Opportunity, [*opp_fields, "created_date"], opportunities())
    event_ids = IdPool(RevenueEvent).take(events)
    now = timezone.now()
    source = RevenueEvent.Source.DAILY_ACCOUNT_REVENUE.value
    amounts = [rng.randint(100, 100_000) for _ in range(events)]  # cents

    def revenue_events():
        for n, pk in enumerate(event_ids):
            deal = n % deals
            day = dt.date(2026, 1 + n % 12, 1 + n % 28)
            cents = Decimal(amounts[n]) / 100
            yield (pk, org.pk, opp_ids[deal], opp_account[deal], day, cents, source, now)

    event_fields = ["id", "organization", "opportunity", "account", "date", "amount", "source", "created_at"]
    bulk_insert(RevenueEvent, event_fields, revenue_events())
    key_id, key = current_key()
    content = {"source": "bench", "rule": None}
    explanation = AttributionExplanation.objects.create(
        organization=org, digest=content_mac(key, content), key_id=key_id, content=content
    )
    posting = []
    for n, pk in enumerate(event_ids):
        period = periods[1 + n % 12]
        partner = partners[pk % len(partners)].pk
        posting.append(
            (
                period,
                "original",
                None,
                amounts[n],
                pk,
                partner,
                "referral",
                "opportunity",
                Decimal("100.00"),
                period,
                None,
                explanation.pk,
            )
        )
        if len(posting) >= 100_000:
            ledger_append(spec=ATTRIBUTION_LEDGER, organization_id=org.pk, rows=posting)
            posting = []
    ledger_append(spec=ATTRIBUTION_LEDGER, organization_id=org.pk, rows=posting)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return org


def baseline(org: Organization) -> tuple[float, int, int]:
    """(seconds, bytes, rows) of a plain dump of every backed-up table of the organization."""
    t0 = time.perf_counter()
    size = rows = 0
    with tempfile.TemporaryFile() as dump, transaction.atomic():
        for table in backup_tables():
            qs = table_queryset(table, org.pk).values_list(*[c.field.attname for c in table.columns])
            sql, params = qs.query.sql_with_params()
            if connection.vendor == "postgresql":
                query = connection.ops.compose_sql(sql, params)
                with (
                    connection.cursor() as cursor,
                    cursor.cursor.copy(f"COPY ({query}) TO STDOUT WITH CSV HEADER") as copy,
                ):
                    for chunk in copy:
                        dump.write(chunk)
            else:
                text = io.TextIOWrapper(dump, encoding="utf-8", newline="", write_through=True)
                writer = csv.writer(text)
                for row in qs.iterator(chunk_size=BATCH):
                    writer.writerow(row)
                text.detach()
            rows += table_queryset(table, org.pk).count()
        size = dump.tell()
    return time.perf_counter() - t0, size, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=5_000)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--format", choices=["xlsx", "zip"], default="xlsx")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    deals, events = int(args.deals * args.scale), int(args.events * args.scale)
    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor}; {deals:,} deals, {events:,} revenue events, format {args.format}")
    t0 = time.perf_counter()
    org = build(deals, events, args.seed)
    print(f"generated in {time.perf_counter() - t0:.1f} s; peak RSS {peak_rss_mb():.0f} MiB")

    base_s, base_bytes, rows = baseline(org)
    print(
        f"baseline (plain {'COPY' if connection.vendor == 'postgresql' else 'cursor'} to CSV): "
        f"{rows:,} rows in {base_s:.2f} s, {base_bytes / 2**20:.1f} MiB"
    )

    with tempfile.TemporaryFile() as target:
        t0 = time.perf_counter()
        summary = backup_write(organization=org, target=target, fmt=args.format)
        backup_s = time.perf_counter() - t0
        size = target.tell()
        print(
            f"backup: {summary.rows:,} rows in {backup_s:.2f} s ({summary.rows / backup_s:,.0f} rows/s), "
            f"{size / 2**20:.1f} MiB; ratio to baseline {backup_s / base_s:.1f}x; peak RSS {peak_rss_mb():.0f} MiB"
        )
        target.seek(0)
        t0 = time.perf_counter()
        result = backup_restore(file=target, slug=f"{org.slug}-restored")
        restore_s = time.perf_counter() - t0
        print(
            f"restore: {result.total_rows:,} rows in {restore_s:.2f} s ({result.total_rows / restore_s:,.0f} rows/s), "
            f"ledgers {result.ledgers}; ratio to baseline {restore_s / base_s:.1f}x; peak RSS {peak_rss_mb():.0f} MiB"
        )


if __name__ == "__main__":
    main()
