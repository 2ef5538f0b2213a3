"""Time the Salesforce sync: 100,000 opportunities (or campaign members) from the fake
Salesforce, end to end.

Run (against a scratch PostgreSQL database; migrate runs first):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/revops_bench_integrations \
    DJANGO_SETTINGS_MODULE=revops.settings.local \
    .venv/bin/python bench/integrations.py [--opportunities 100000] [--accounts 1000] [--page-size 2000]
    .venv/bin/python bench/integrations.py --members 100000 [--campaigns 200] [--page-size 2000]

With `--members`, the fake holds campaigns and campaign members instead, and the connection
maps only Campaign and CampaignMember (marketing attribution's standard mappings): the same
three steps below with the CampaignMember query, members becoming marketing touches.

The fake Salesforce (`tests/fakes/salesforce.py`, HTTPS on 127.0.0.1) holds the accounts and
opportunities; the connection maps the standard fields (`mapping_install_defaults`, stage
history left out). In one process:

1. baseline: the same opportunity query paged through the client (simple-salesforce,
   queryAll, queryMore pages of `--page-size`), records read and thrown away;
2. full sync through `salesforce_sync_run` (what the JobRun runs): users, accounts, then
   opportunities planned and written page by page (the bulk writer, watermark per page);
3. an incremental re-run with nothing changed in Salesforce (reads only the records at the
   watermark).

Prints seconds, records per second, and the ratio of the sync to the baseline.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "revops.settings.local")

import django

django.setup()

from django.core.management import call_command  # noqa: E402

from attribution.marketing.models import Touchpoint  # noqa: E402
from revops.models import JobRun, Membership, Opportunity, Organization, Role, User  # noqa: E402
from revops.models.salesforce import FieldMapping, SyncObject  # noqa: E402
from revops.services.jobs import JobProgress  # noqa: E402
from revops.services.salesforce_mapping import mapping_install_defaults  # noqa: E402
from revops.services.salesforce_sync import SYNC_KIND, Mode, connection_client, salesforce_sync_run  # noqa: E402
from tests.fakes.salesforce import FakeSalesforce  # noqa: E402
from tests.revops.salesforce_world import SESSION_ENV, connection_for, define_objects  # noqa: E402

STAGES = (
    "Prospecting",
    "Qualification",
    "Proposal/Price Quote",
    "Negotiation/Review",
    "Closed Won",
    "Closed Lost",
)


def seed(fake: FakeSalesforce, *, accounts: int, opportunities: int, reps: list[str]) -> None:
    define_objects(fake)
    sf_users = [fake.add_user(email) for email in reps]
    account_ids = [
        fake.store.insert(
            "Account",
            {"Name": f"Account {i}", "Website": f"a{i}.example", "OwnerId": sf_users[i % len(reps)]},
        )
        for i in range(accounts)
    ]
    for i in range(opportunities):
        fake.store.insert(
            "Opportunity",
            {
                "Name": f"Deal {i}",
                "AccountId": account_ids[i % accounts],
                "OwnerId": sf_users[i % len(reps)],
                "StageName": STAGES[i % len(STAGES)],
                "Amount": 1000 + (i % 997) * 13.5,
                "CloseDate": "2026-06-30",
                "CreatedDate": "2026-01-05T10:00:00.000+0000",
                "LeadSource": "Web",
            },
        )


def seed_members(fake: FakeSalesforce, *, campaigns: int, members: int) -> None:
    define_objects(fake)
    types = ("Webinar", "Trade Show", "Email", "Advertisement", "")
    campaign_ids = [
        fake.store.insert(
            "Campaign", {"Name": f"Campaign {i}", "IsActive": True, "Type": types[i % len(types)]}
        )
        for i in range(campaigns)
    ]
    for i in range(members):
        person = {"ContactId": f"003{i:015d}"} if i % 2 else {"LeadId": f"00Q{i:015d}"}
        fake.store.insert(
            "CampaignMember",
            {
                "CampaignId": campaign_ids[i % campaigns],
                "Status": "Responded",
                "CreatedDate": f"2026-01-{1 + i % 28:02d}T10:00:00.000+0000",
                **person,
            },
        )


def _measure(org, connection, *, soql: str, sobject: str, unit: str) -> None:
    """Baseline (page the query through the client), then a full sync and an unchanged re-run."""
    client = connection_client(connection)
    start = time.perf_counter()
    paged = sum(len(page.records) for page in client.query_pages(soql, include_deleted=True))
    base = time.perf_counter() - start
    print(
        f"  baseline (page through the client, no writes) {base:7.2f} s  {paged / base:9,.0f} records/s  {client.calls} calls"
    )
    for label, mode in (("full sync", Mode.FULL), ("incremental, unchanged", Mode.INCREMENTAL)):
        job = JobRun.objects.create(
            organization=org,
            kind=SYNC_KIND,
            idempotency_key=f"bench-{label}",
            status=JobRun.Status.RUNNING,
        )
        start = time.perf_counter()
        counts = salesforce_sync_run(connection=connection, job=job, progress=JobProgress(job.pk), mode=mode)
        took = time.perf_counter() - start
        read = counts["read"]
        print(
            f"  {label:<22} {took:7.2f} s  {read / took:9,.0f} records/s  ({took / base:.1f}× baseline)  "
            f"read {read:,}  {unit} {counts['objects'].get(sobject)}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opportunities", type=int, default=100_000)
    parser.add_argument("--accounts", type=int, default=1_000)
    parser.add_argument("--members", type=int, default=0, help="campaign members instead of opportunities")
    parser.add_argument("--campaigns", type=int, default=200)
    parser.add_argument("--page-size", type=int, default=2_000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    stamp = str(int(time.time()))
    org = Organization.objects.create(name=f"Bench sync {stamp}", slug=f"bench-sync-{stamp}")
    users = User.objects.bulk_create(User(email=f"rep{i}@{stamp}.bench") for i in range(20))
    Membership.objects.bulk_create(Membership(organization=org, user=u, role=Role.REP) for u in users)

    fake = FakeSalesforce(session_id="bench-token", page_size=args.page_size)
    start = time.perf_counter()
    if args.members:
        seed_members(fake, campaigns=args.campaigns, members=args.members)
        what = f"{args.members:,} campaign members, {args.campaigns:,} campaigns"
    else:
        seed(fake, accounts=args.accounts, opportunities=args.opportunities, reps=[u.email for u in users])
        what = f"{args.opportunities:,} opportunities, {args.accounts:,} accounts"
    print(f"{what} in the fake (seeded in {time.perf_counter() - start:.1f} s), pages of {args.page_size:,}")
    os.environ[SESSION_ENV] = "bench-token"
    with tempfile.TemporaryDirectory() as tls:
        fake.start(Path(tls))
        connection = connection_for(fake, org)
        if args.members:
            connection.mappings.all().delete()
            mapping_install_defaults(
                connection=connection, sobjects=[SyncObject.CAMPAIGN, SyncObject.CAMPAIGN_MEMBER]
            )
            soql = (
                "SELECT Id, SystemModstamp, IsDeleted, CampaignId, LeadId, ContactId, Status, CreatedDate "
                "FROM CampaignMember ORDER BY SystemModstamp ASC, Id ASC"
            )
            _measure(org, connection, soql=soql, sobject=SyncObject.CAMPAIGN_MEMBER, unit="members")
            total = Touchpoint.objects.filter(organization=org).count()
            print(f"  touches in revops: {total:,}")
        else:
            FieldMapping.objects.filter(
                connection=connection, sobject=SyncObject.OPPORTUNITY_HISTORY
            ).delete()
            soql = (
                "SELECT Id, SystemModstamp, IsDeleted, Name, AccountId, OwnerId, StageName, Amount, CreatedDate, "
                "CloseDate, LeadSource FROM Opportunity ORDER BY SystemModstamp ASC, Id ASC"
            )
            _measure(org, connection, soql=soql, sobject=SyncObject.OPPORTUNITY, unit="opportunities")
            total = Opportunity.objects.filter(organization=org).count()
            print(f"  opportunities in revops: {total:,}")
        fake.stop()


if __name__ == "__main__":
    main()
