"""Apply a CRM-sourced run: owners written back to the CRM, leads mirrored in revops.

For an applied run whose leads come from Odoo or Salesforce, `crm_apply` (called by
`distribution_run` inside its transaction, before anything local is written):

1. writes each planned owner to the CRM in batches — Odoo: one `write` of `user_id` per rep
   per batch of `batch_size` (a batch Odoo refuses is retried record by record, so one bad
   record does not hold back the others); Salesforce: `composite/sobjects` collections of up
   to 200 records, each record answered on its own;
2. stores every lead read as a local `Lead` (`external_source` odoo / salesforce,
   `external_id` ``"<source>:<CRM id>"``), new or updated, its owner following the CRM's;
3. returns the plan renumbered to the local ids, without the leads the CRM refused (each
   listed with the CRM's message), for `distribution_run` to record as usual.

A failure of a whole call after the connector's retries (unreachable, rate limit that does
not clear, 5xx, access denied) raises `ConnectorError`: the transaction is rolled back, so
nothing local is written; owners already written to the CRM by earlier batches stay there
(the message says how many) and the next run reads them as owned.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, replace

from django.db import connection

from distribution.engine import Plan
from distribution.engine.lead_source import OdooSource, SalesforceSource
from distribution.models import Campaign, Lead
from distribution.selectors.crm import CrmLead, CrmRead
from distribution.selectors.inputs import Prepared
from revops.bulk import bulk_insert
from revops.connectors.errors import ConnectorError
from revops.connectors.odoo import OdooClient
from revops.connectors.salesforce import SalesforceClient
from revops.models import Organization

# Rows per bulk INSERT / UPDATE of mirrors: few round trips, under SQLite's variable limit.
MIRROR_BATCH = 1000
MIRROR_FIELDS = (
    "name",
    "email",
    "phone",
    "company",
    "web_source",
    "status",
    "tags",
    "do_not_call",
    "priority",
    "received_at",
    "owner",
    "campaign",
)


@dataclass
class CrmApplied:
    plan: Plan
    failures: list[dict]
    names: dict[int, str]
    external_ids: dict[int, str]


def _write_odoo(
    client: OdooClient, source: OdooSource, pairs: list[tuple[CrmLead, int]]
) -> tuple[dict[str, str], int]:
    failed: dict[str, str] = {}
    written = 0
    for start in range(0, len(pairs), source.batch_size):
        by_user: dict[int, list[CrmLead]] = defaultdict(list)
        for lead, uid in pairs[start : start + source.batch_size]:
            by_user[uid].append(lead)
        for uid, leads in by_user.items():
            ids = [int(lead.remote_id) for lead in leads]
            try:
                client.write("crm.lead", ids, {"user_id": uid})
                written += len(ids)
                continue
            except ConnectorError as exc:
                if exc.code != "fault":
                    raise _partial(exc, written, len(pairs), "Odoo") from None
                if len(ids) == 1:
                    failed[leads[0].external_id] = exc.message
                    continue
            # Odoo refused the batch as a whole: find the records it refuses, write the rest.
            for lead in leads:
                try:
                    client.write("crm.lead", [int(lead.remote_id)], {"user_id": uid})
                    written += 1
                except ConnectorError as exc:
                    if exc.code != "fault":
                        raise _partial(exc, written, len(pairs), "Odoo") from None
                    failed[lead.external_id] = exc.message
    return failed, written


def _write_salesforce(
    client: SalesforceClient, source: SalesforceSource, pairs: list[tuple[CrmLead, str]]
) -> tuple[dict[str, str], int]:
    failed: dict[str, str] = {}
    written = 0
    by_remote = {str(lead.remote_id): lead for lead, _ in pairs}
    for start in range(0, len(pairs), source.batch_size):
        chunk = pairs[start : start + source.batch_size]
        try:
            results = client.update_many(
                "Lead", [{"Id": str(lead.remote_id), "OwnerId": uid} for lead, uid in chunk]
            )
        except ConnectorError as exc:
            raise _partial(exc, written, len(pairs), "Salesforce") from None
        for result in results:
            if result.ok:
                written += 1
            else:
                failed[by_remote[result.record_id].external_id] = result.message
    return failed, written


def _partial(exc: ConnectorError, written: int, total: int, system: str) -> ConnectorError:
    note = f"; {written} of {total} owners had been written to {system} before it" if written else ""
    return ConnectorError(f"{exc.message}{note}", code=exc.code, retryable=exc.retryable)


def crm_owners_write(read: CrmRead, source: OdooSource | SalesforceSource, plan: Plan) -> dict[str, str]:
    """Write the plan's owners to the CRM; the external ids the CRM refused, with its message."""
    pairs = [(read.by_fact_id[a.lead_id], read.rep_remote[a.rep_id]) for a in plan.assignments]
    if isinstance(source, OdooSource):
        assert isinstance(read.client, OdooClient)
        failed, _ = _write_odoo(read.client, source, pairs)
    else:
        assert isinstance(read.client, SalesforceClient)
        failed, _ = _write_salesforce(read.client, source, pairs)
    return failed


def _campaigns(organization: Organization, names: set[str]) -> dict[str, int]:
    existing = dict(
        Campaign.objects.filter(organization=organization, name__in=names).values_list("name", "pk")
    )
    missing = [Campaign(organization=organization, name=n) for n in sorted(names - set(existing))]
    for c in Campaign.objects.bulk_create(missing):
        existing[c.name] = c.pk
    return existing


# Columns of a new mirror: the CRM's values, then the defaults a CRM lead starts with.
NEW_FIELDS = (
    "name",
    "email",
    "phone",
    "company",
    "web_source",
    "status",
    "tags",
    "do_not_call",
    "priority",
    "received_at",
    "owner_id",
    "campaign_id",
    "score",
    "segment",
    "converted",
    "account_id",
    "assigned_at",
)
_NEW_DEFAULTS = (0.0, "", False, None, None)


def _mirror_values(lead: CrmLead, campaign_id: int | None) -> dict:
    return {
        "name": lead.name[:200],
        "email": lead.email[:254],
        "phone": lead.phone[:40],
        "company": lead.company[:200],
        "web_source": lead.web_source[:120],
        "status": (lead.status or "New")[:60],
        "tags": list(lead.tags),
        "do_not_call": lead.do_not_call,
        "priority": max(-1000, min(1000, lead.priority)),
        "received_at": lead.received_at,
        "owner_id": lead.owner_id,
        "campaign_id": campaign_id,
    }


def crm_mirrors_upsert(organization: Organization, read: CrmRead) -> dict[int, int]:
    """Store every lead read as a local Lead (created or updated); fact id → local id."""
    campaigns = _campaigns(organization, {lead.campaign for lead in read.leads if lead.campaign})
    mirrors = {
        m.external_id: m for m in Lead.objects.filter(organization=organization, external_source=read.source)
    }
    new, changed = [], []
    for lead in read.leads:
        values = _mirror_values(lead, campaigns.get(lead.campaign))
        row = mirrors.get(lead.external_id)
        if row is None:
            new.append((lead.external_id, values))
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            changed.append(row)
    # New mirrors as plain rows (one COPY on PostgreSQL): a model instance per row cost more
    # than the insert itself at 10,000 leads.
    postgres = connection.vendor == "postgresql"
    bulk_insert(
        Lead,
        (*NEW_FIELDS, "organization_id", "external_id", "external_source"),
        (
            (
                # COPY reads jsonb from its text form.
                *(json.dumps(v) if postgres and k == "tags" else v for k, v in values.items()),
                *_NEW_DEFAULTS,
                organization.pk,
                ext,
                read.source,
            )
            for ext, values in new
        ),
    )
    Lead.objects.bulk_update(changed, MIRROR_FIELDS, batch_size=MIRROR_BATCH)
    local = dict(
        Lead.objects.filter(organization=organization, external_source=read.source).values_list(
            "external_id", "pk"
        )
    )
    return {fact_id: local[lead.external_id] for fact_id, lead in read.by_fact_id.items()}


def crm_apply(*, organization: Organization, prepared: Prepared, plan: Plan) -> CrmApplied:
    """Write owners to the CRM, mirror its leads, renumber the plan (see the module docstring)."""
    read = prepared.crm
    source = prepared.doc.lead_source
    assert read is not None and isinstance(source, OdooSource | SalesforceSource)
    failed = crm_owners_write(read, source, plan) if plan.assignments else {}
    ids = crm_mirrors_upsert(organization, read)
    kept = tuple(
        a._replace(lead_id=ids[a.lead_id])
        for a in plan.assignments
        if read.by_fact_id[a.lead_id].external_id not in failed
    )
    refused = Counter(a.rep_id for a in plan.assignments if read.by_fact_id[a.lead_id].external_id in failed)
    failures = [
        {
            "lead_id": ids[a.lead_id],
            "external_id": read.by_fact_id[a.lead_id].external_id,
            "rep_id": a.rep_id,
            "message": failed[read.by_fact_id[a.lead_id].external_id],
        }
        for a in plan.assignments
        if read.by_fact_id[a.lead_id].external_id in failed
    ]
    renumbered = replace(
        plan,
        assignments=kept,
        excluded=tuple(e._replace(lead_id=ids[e.lead_id]) for e in plan.excluded),
        unassigned=tuple(ids[i] for i in plan.unassigned),
        reps=tuple(replace(r, assigned=r.assigned - refused[r.rep_id]) for r in plan.reps),
    )
    names = {ids[fid]: lead.name or lead.email for fid, lead in read.by_fact_id.items()}
    external = {ids[fid]: lead.external_id for fid, lead in read.by_fact_id.items()}
    return CrmApplied(renumbered, failures, names, external)
