"""Time OpportunityPartner → deal–partner links and the attribution push-back, end to end.

Run (against a scratch PostgreSQL database; migrate runs first):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/revops_bench_sfpartners \
    DJANGO_SETTINGS_MODULE=revops.settings.local \
    .venv/bin/python bench/salesforce_partner_links.py [--deals 2000] [--partners 50]

The fake Salesforce (`tests/fakes/salesforce.py`, HTTPS on 127.0.0.1) holds one account,
`--deals` opportunities, `--partners` partners and one OpportunityPartner record per deal.
Deals and partners are synced first (untimed). In one process:

1. links baseline: the OpportunityPartner query paged through the client, records thrown away;
2. full sync with the OpportunityPartner mappings: every link created through attribution's
   link services (validated, audited, one alignment queued per page);
3. the same full sync again: every link unchanged;
4. push-back baseline: the same records upserted straight through the client (composite
   collections of 200), no reads or log;
5. push-back of the period's results (one ledger entry per link) through the service: first
   run (all created), second run (all updated).

Prints seconds, records per second and each step against its baseline.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
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

from attribution.models import OpportunityPartner, RevenueEvent  # noqa: E402
from attribution.services.posting import EntryLine, ledger_post  # noqa: E402
from revops.models import FiscalPeriod, JobRun, Opportunity, Organization, Partner  # noqa: E402
from revops.models.salesforce import FieldMapping, SyncObject  # noqa: E402
from revops.services.jobs import JobProgress  # noqa: E402
from revops.services.periods import periods_ensure  # noqa: E402
from revops.services.salesforce_mapping import mapping_install_defaults  # noqa: E402
from revops.services.salesforce_pushback import PUSHBACK_KIND, _records, salesforce_pushback_run  # noqa: E402
from revops.services.salesforce_sync import SYNC_KIND, Mode, connection_client, salesforce_sync_run  # noqa: E402
from tests.fakes.salesforce import FakeSalesforce  # noqa: E402
from tests.revops.salesforce_world import SESSION_ENV, connection_for, define_objects  # noqa: E402

OBJECT = "Revops_Attribution__c"
ROLES = ("System Integrator", "VAR/Reseller", "Agency", "Developer")


def seed(fake: FakeSalesforce, *, deals: int, partners: int) -> None:
    define_objects(fake)
    fake.store.define(
        OBJECT,
        dict.fromkeys(
            (
                "Revops_Key__c",
                "Partner__c",
                "Opportunity__c",
                "Role__c",
                "Split_Percent__c",
                "Amount__c",
                "Period__c",
            ),
            "string",
        ),
        external_ids={"Revops_Key__c"},
    )
    account = fake.store.insert("Account", {"Name": "Bench account"})
    partner_ids = [fake.store.insert("Partner__c", {"Name": f"Partner {i}"}) for i in range(partners)]
    for i in range(deals):
        deal = fake.store.insert(
            "Opportunity",
            {
                "Name": f"Deal {i}",
                "AccountId": account,
                "StageName": "Prospecting",
                "Amount": 1000 + i,
                "CloseDate": "2026-06-30",
                "CreatedDate": "2026-01-05T10:00:00.000+0000",
            },
        )
        fake.store.insert(
            "OpportunityPartner",
            {
                "OpportunityId": deal,
                "AccountToId": partner_ids[i % partners],
                "Role": ROLES[i % len(ROLES)],
                "IsPrimary": i % 2 == 0,
            },
        )


def job(org, kind: str, label: str) -> JobRun:
    return JobRun.objects.create(
        organization=org,
        kind=kind,
        idempotency_key=f"bench-{label}-{time.time()}",
        status=JobRun.Status.RUNNING,
    )


def line(label: str, took: float, records: int, base: float | None, extra: str = "") -> None:
    ratio = f"({took / base:.1f}× baseline)" if base else "(baseline)"
    print(f"  {label:<34} {took:7.2f} s  {records / took:9,.0f} records/s  {ratio}  {extra}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deals", type=int, default=2_000)
    parser.add_argument("--partners", type=int, default=50)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    stamp = str(int(time.time()))
    org = Organization.objects.create(name=f"Bench links {stamp}", slug=f"bench-links-{stamp}")
    fake = FakeSalesforce(session_id="bench-token", page_size=2000)
    seed(fake, deals=args.deals, partners=args.partners)
    print(f"{args.deals:,} deals with one OpportunityPartner each, {args.partners} partners in the fake")
    os.environ[SESSION_ENV] = "bench-token"
    with tempfile.TemporaryDirectory() as tls:
        fake.start(Path(tls))
        connection = connection_for(fake, org, pushback_object=OBJECT)
        FieldMapping.objects.filter(connection=connection, sobject=SyncObject.OPPORTUNITY_HISTORY).delete()
        FieldMapping.objects.filter(connection=connection, sobject=SyncObject.OPPORTUNITY_PARTNER).delete()
        salesforce_sync_run(
            connection=connection, job=(j := job(org, SYNC_KIND, "setup")), progress=JobProgress(j.pk)
        )
        mapping_install_defaults(connection=connection)
        FieldMapping.objects.filter(connection=connection, sobject=SyncObject.OPPORTUNITY_HISTORY).delete()

        client = connection_client(connection)
        soql = (
            "SELECT Id, SystemModstamp, IsDeleted, OpportunityId, AccountToId, Role, IsPrimary "
            "FROM OpportunityPartner ORDER BY SystemModstamp ASC, Id ASC"
        )
        start = time.perf_counter()
        paged = sum(len(p.records) for p in client.query_pages(soql, include_deleted=True))
        base = time.perf_counter() - start
        line("links baseline (page, no writes)", base, paged, None)
        for label in ("full sync, links created", "full sync again, unchanged"):
            run = job(org, SYNC_KIND, label)
            start = time.perf_counter()
            counts = salesforce_sync_run(
                connection=connection, job=run, progress=JobProgress(run.pk), mode=Mode.FULL
            )
            took = time.perf_counter() - start
            line(label, took, paged, base, str(counts["objects"][SyncObject.OPPORTUNITY_PARTNER]))
        print(f"  links in revops: {OpportunityPartner.objects.filter(organization=org).count():,}")

        periods_ensure(organization=org, start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 31))
        period = FiscalPeriod.objects.get(organization=org, start_date=dt.date(2026, 1, 1))
        deals = dict(Opportunity.objects.filter(organization=org).values_list("id", "account_id"))
        events = RevenueEvent.objects.bulk_create(
            RevenueEvent(
                organization=org,
                opportunity_id=pk,
                account_id=account_id,
                date=dt.date(2026, 1, 10),
                amount=Decimal("1000.00"),
                source=RevenueEvent.Source.CLOSED_WON_BOOKING,
                external_id=f"bench-{pk}",
            )
            for pk, account_id in deals.items()
        )
        partner_of = dict(
            OpportunityPartner.objects.filter(organization=org).values_list("opportunity_id", "partner_id")
        )
        ledger_post(
            organization=org,
            lines=[
                EntryLine(
                    revenue_event_id=e.pk,
                    partner_id=partner_of[e.opportunity_id],
                    role="referral",
                    scope="opportunity",
                    split_percent=Decimal("25.00"),
                    amount=Decimal("250.00"),
                    period_id=period.pk,
                    revenue_period_id=period.pk,
                )
                for e in events
            ],
        )
        records, _skipped = _records(connection, period)
        start = time.perf_counter()
        client.upsert_many(OBJECT, connection.pushback_external_id_field, records)
        base = time.perf_counter() - start
        line("push baseline (upsert only)", base, len(records), None)
        fake.store.records[OBJECT].clear()
        for label in ("push-back, created", "push-back again, updated"):
            run = job(org, PUSHBACK_KIND, label)
            start = time.perf_counter()
            counts = salesforce_pushback_run(
                connection=connection, job=run, progress=JobProgress(run.pk), periods=[period]
            )
            took = time.perf_counter() - start
            line(
                label,
                took,
                len(records),
                base,
                f"created {counts['created']:,} updated {counts['updated']:,}",
            )
        print(f"  Partner rows: {Partner.objects.filter(organization=org).count()}")
        fake.stop()


if __name__ == "__main__":
    main()
