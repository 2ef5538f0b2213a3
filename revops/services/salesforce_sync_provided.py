"""Salesforce objects other apps store (Lead, Campaign, CampaignMember): a page through their
providers.

The core maps each record's fields (the same rules, value maps and owner resolution as the
core objects), then hands the page to every app registered for the object
(`revops.providers.CRM_PROVIDERS`: Campaign goes to lead distribution and to marketing
attribution) inside the page's transaction; each app writes its rows, or in a dry run only
answers what it would do, one outcome per record, idempotent by Salesforce id. The first
app's outcomes are the object's counts and log rows; another app's are counted as
`"<app>: <action>"` and logged with the app's name before the message. A record the mapping
refuses is logged as an error and not handed over; the rest of the page goes on.
"""

from __future__ import annotations

from revops.models.salesforce import SyncAction
from revops.providers import CRM_PROVIDER_APPS, CrmRecord, crm_providers_registered, crm_upsert
from revops.salesforce_schema import TransformError, provided, provider_missing  # noqa: F401 (re-exported)
from revops.services.salesforce_sync_pages import (
    PagePlan,
    SegmentContext,
    _error_text,
    _modstamp,
    _resolve_refs,
    _values,
)


def provided_page(ctx: SegmentContext, job_id: int, records: list[dict]) -> PagePlan:
    """Map the page, hand it to the object's app, log each record's outcome (call inside the
    page's transaction: the app writes its rows there)."""
    plan = PagePlan()
    refs = _resolve_refs(ctx, records)
    batch: list[CrmRecord] = []
    for record in records:
        sf_id = str(record.get("Id") or "")
        try:
            stamp = _modstamp(record)
            plan.newest = stamp if plan.newest is None or stamp > plan.newest else plan.newest
            deleted = bool(record.get("IsDeleted"))
            values = {} if deleted else _values(ctx, record, refs)
            if not sf_id:
                raise TransformError("Id: empty")
            batch.append(CrmRecord(salesforce_id=sf_id, values=values, deleted=deleted, modstamp=stamp))
        except (TransformError, ValueError) as exc:
            plan.note(ctx, job_id, sf_id or "(no Id)", SyncAction.ERROR, _error_text(exc))
    if not batch:
        return plan
    for position, name in enumerate(crm_providers_registered(ctx.sobject)):
        app = CRM_PROVIDER_APPS[name]
        outcomes = crm_upsert(name, ctx.organization_id, batch, dry_run=ctx.dry_run, pending=ctx.pending)
        for outcome in outcomes:
            if outcome.action == SyncAction.CREATE and ctx.dry_run:
                # A later object's preview may name it (a member of a campaign marketing would
                # create): kept per provider, since each app answers for its own rows.
                ctx.pending.setdefault(name, set()).add(outcome.salesforce_id)
            if position == 0:
                plan.note(
                    ctx, job_id, outcome.salesforce_id, outcome.action, outcome.message, outcome.changes
                )
                continue
            # Counted under the app's name: the object's own counts stay one per record.
            plan.note(
                ctx,
                job_id,
                outcome.salesforce_id,
                outcome.action,
                f"{app}: {outcome.message}" if outcome.message else app,
                outcome.changes,
                counted=f"{app}: {outcome.action}",
            )
    return plan
