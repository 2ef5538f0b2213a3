"""Time a lead distribution whose leads live in a CRM: the fake Odoo and the fake Salesforce.

Run (against a scratch PostgreSQL database; migrate runs first):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/revops_bench_distribution \
    DJANGO_SETTINGS_MODULE=revops.settings.local \
    .venv/bin/python bench/distribution_crm.py [--leads 10000] [--reps 20]

Three organizations with the same reps (profiles) and the same seeded leads, one run each,
applied, round robin, through the services the command and the job use:

- revops (baseline in the same process): `distribution_prepare` reads the local leads,
  `distribution_run` records and applies;
- Odoo: the leads are `crm.lead` records of the fake Odoo (`tests/fakes/odoo.py`, XML-RPC
  on 127.0.0.1): read in pages of 500, owners written back one `write` per rep per batch of
  500, every lead mirrored as a local row;
- Salesforce: `Lead` records of the fake Salesforce (`tests/fakes/salesforce.py`, HTTPS on
  127.0.0.1): read in pages of 2,000 (queryMore), owners written in `composite/sobjects`
  collections of 200, every lead mirrored.

Read time is `distribution_prepare`; write-back time is `distribution_run` (CRM writes,
mirrors, the run and its assignments). Calls are the requests the connector sent.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "revops.settings.local")

import django

django.setup()

from django.core.management import call_command  # noqa: E402

import distribution.services.crm as crm_service  # noqa: E402
from distribution.engine import load_text  # noqa: E402
from distribution.models import Lead, LeadAssignment, SalespersonProfile  # noqa: E402
from distribution.selectors.inputs import RunOptions, distribution_prepare  # noqa: E402
from distribution.services.runs import distribution_run  # noqa: E402
from revops.models import Membership, Organization, Role, User  # noqa: E402
from tests.fakes.odoo import FakeOdoo  # noqa: E402
from tests.fakes.salesforce import FakeSalesforce  # noqa: E402

TODAY = dt.date(2026, 3, 4)
SOURCES = ("Google", "Organic Search", "Referral Sites", "Facebook")
DOC = """campaign: {name: Bench}
lead_finding:
  do_not_call: {exclude: true}
  required_fields: [email]
distribution: {strategy: round_robin, seed: 7}
"""


def seeded_leads(n: int) -> list[dict]:
    rng = random.Random(11)
    received = dt.datetime(2026, 3, 1, 10, tzinfo=dt.UTC)
    return [
        {
            "name": f"Lead {i}",
            "email": f"l{i}@x.example" if rng.random() > 0.05 else "",
            "web_source": rng.choice(SOURCES),
            "priority": rng.randint(0, 3),
            "do_not_call": rng.random() < 0.03,
            "received_at": received,
        }
        for i in range(n)
    ]


def organization(stamp: str, kind: str, n_reps: int) -> tuple[Organization, list[User]]:
    org = Organization.objects.create(name=f"Bench {kind} {stamp}", slug=f"bench-crm-{kind}-{stamp}")
    users = User.objects.bulk_create(User(email=f"rep{i}.{kind}@{stamp}.bench") for i in range(n_reps))
    Membership.objects.bulk_create(Membership(organization=org, user=u, role=Role.REP) for u in users)
    SalespersonProfile.objects.bulk_create(
        SalespersonProfile(organization=org, user=u, working_days=[1, 2, 3, 4, 5, 6, 7]) for u in users
    )
    return org, users


CRM_WRITE_SECONDS = [0.0]
_write = crm_service.crm_owners_write


def _timed_write(*args, **kwargs):
    # The CRM calls alone, inside the write-back (the rest: mirrors, run, assignments).
    start = time.perf_counter()
    try:
        return _write(*args, **kwargs)
    finally:
        CRM_WRITE_SECONDS[0] += time.perf_counter() - start


crm_service.crm_owners_write = _timed_write


def timed_run(org: Organization, text: str) -> tuple[float, float, object, object]:
    doc = load_text(text, env={})
    CRM_WRITE_SECONDS[0] = 0.0
    start = time.perf_counter()
    prepared = distribution_prepare(org, doc, options=RunOptions(dry_run=False), today=TODAY)
    read = time.perf_counter() - start
    calls_read = prepared.crm.calls if prepared.crm is not None else 0
    start = time.perf_counter()
    run = distribution_run(organization=org, prepared=prepared)
    write = time.perf_counter() - start
    return read, write, run, (calls_read, prepared.crm.calls - calls_read if prepared.crm is not None else 0)


def report(label: str, read: float, write: float, run, calls, base: float | None) -> float:
    assigned = LeadAssignment.objects.filter(run=run).count()
    total = read + write
    ratio = f" ({total / base:.1f}× revops)" if base else ""
    print(
        f"  {label:<11} read {read:6.2f} s ({calls[0]:>4} calls)  write-back + record {write:6.2f} s "
        f"({calls[1]:>4} calls; CRM calls alone {CRM_WRITE_SECONDS[0]:5.2f} s)  total {total:6.2f} s{ratio}  "
        f"{assigned:,} assigned, status {run.status}"
    )
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=10_000)
    parser.add_argument("--reps", type=int, default=20)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    stamp = str(int(time.time()))
    rows = seeded_leads(args.leads)
    print(f"{args.leads:,} leads, {args.reps} reps, round robin, applied")

    org, _ = organization(stamp, "local", args.reps)
    Lead.objects.bulk_create((Lead(organization=org, **row) for row in rows), batch_size=5000)
    read, write, run, calls = timed_run(org, DOC)
    base = report("revops", read, write, run, calls, None)

    org, users = organization(stamp, "odoo", args.reps)
    odoo = FakeOdoo(database="bench", users={"sync@bench.example": "bench-pw"})
    for u in users:
        odoo.add_user(u.email)
    for row in rows:
        odoo.create(
            "crm.lead",
            {
                "name": row["name"],
                "email_from": row["email"] or False,
                "source_id": odoo.named("utm.source", row["web_source"]),
                "priority": str(row["priority"]),
                "x_dnc": row["do_not_call"],
                "create_date": row["received_at"].strftime("%Y-%m-%d %H:%M:%S"),
                "user_id": False,
            },
        )
    url = odoo.start()
    section = (
        f"lead_source: {{type: odoo, url: '{url}', database: bench, username: sync@bench.example, "
        "password: bench-pw, batch_size: 500, field_map: {do_not_call: x_dnc}}\n"
    )
    read, write, run, calls = timed_run(org, DOC + section)
    report("Odoo", read, write, run, calls, base)
    odoo.stop()

    org, users = organization(stamp, "sf", args.reps)
    sf = FakeSalesforce(session_id="bench-token", page_size=2000)
    queue = sf.store.insert("Group", {"Name": "Web", "Type": "Queue"})
    for u in users:
        sf.add_user(u.email)
    for row in rows:
        sf.store.insert(
            "Lead",
            {
                "LastName": row["name"],
                "Name": row["name"],
                "Email": row["email"] or None,
                "LeadSource": row["web_source"],
                "Rating": {3: "Hot", 2: "Warm", 1: "Cold"}.get(row["priority"]),
                "DoNotCall": row["do_not_call"],
                "CreatedDate": row["received_at"].strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
                "OwnerId": queue,
                "IsConverted": False,
            },
        )
    with tempfile.TemporaryDirectory() as tls:
        url = sf.start(Path(tls))
        section = (
            f"lead_source: {{type: salesforce, instance_url: '{url}', session_id: bench-token, "
            f"ca_file: '{sf.ca_file}', unassigned_owners: ['{queue}']}}\n"
        )
        read, write, run, calls = timed_run(org, DOC + section)
        report("Salesforce", read, write, run, calls, base)
        sf.stop()


if __name__ == "__main__":
    main()
