"""One page of Salesforce OpportunityPartner records into deal–partner links.

The links belong to partner attribution, which the core may not import: this module resolves
each record's Salesforce ids to our deal (`OpportunityId` → the opportunity synced with that
id) and partner (`AccountToId` → the partner synced with that id), maps the role through the
mapping's value map, and hands the records to the `crm_partner_links` provider, which writes
them through attribution's link services (source "salesforce", identity the record's id).

A real run applies the records inside the page's transaction (`PagePlan.deferred`, called by
`page_apply`), with the watermark; a preview asks the provider what it would do and writes
nothing but its log. Every outcome is one sync-log row (unchanged ones only in a preview).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from revops.models import Opportunity, Organization, Partner
from revops.models.salesforce import SyncAction, SyncObject
from revops.providers import CrmPartnerLink, LinkOutcome, crm_partner_links
from revops.salesforce_schema import TransformError

LINK_SOURCE = "salesforce"
ACTIONS = {
    LinkOutcome.CREATED: SyncAction.CREATE,
    LinkOutcome.UPDATED: SyncAction.UPDATE,
    LinkOutcome.UNCHANGED: SyncAction.UNCHANGED,
    LinkOutcome.DEACTIVATED: SyncAction.DELETE,
    LinkOutcome.CONFLICT: SyncAction.CONFLICT,
    LinkOutcome.ERROR: SyncAction.ERROR,
}


def _refs(ctx, records: list[dict]) -> tuple[dict[str, int], dict[str, int]]:
    """Our deal and partner ids for the page's OpportunityId / AccountToId (two queries)."""
    fields = {
        rule.kind: rule.salesforce_field for rule in ctx.rules if rule.kind in ("opportunity", "partner")
    }
    wanted = {kind: {str(r.get(f) or "") for r in records} - {""} for kind, f in fields.items()}
    deals = dict(
        Opportunity.objects.filter(
            organization_id=ctx.organization_id, external_id__in=wanted.get("opportunity", set())
        )
        .exclude(external_id="")
        .values_list("external_id", "id")
    )
    partners = dict(
        Partner.objects.filter(
            organization_id=ctx.organization_id, external_id__in=wanted.get("partner", set())
        )
        .exclude(external_id="")
        .values_list("external_id", "id")
    )
    return deals, partners


def _record_link(ctx, record: dict, stamp, deals, partners) -> CrmPartnerLink | str:
    """The record as a link, or (a preview only) why it waits for rows this preview creates."""
    values: dict[str, Any] = {}
    policy = "salesforce"
    for rule in ctx.rules:
        values[rule.target_field] = rule.apply(record)
        if rule.target_field == "role":
            policy = rule.conflict_policy
    opp_sf, partner_sf = values["opportunity"], values["partner"]
    if not values.get("role"):
        raise TransformError("role: empty")
    pending = ctx.pending
    deal_id, partner_id = deals.get(opp_sf), partners.get(partner_sf)
    if deal_id is None:
        if ctx.dry_run and opp_sf in pending.get(SyncObject.OPPORTUNITY, set()):
            return "with its new opportunity"
        raise TransformError(f"OpportunityId: opportunity {opp_sf or '(empty)'} is not synced")
    if partner_id is None:
        if ctx.dry_run and partner_sf in pending.get(SyncObject.PARTNER, set()):
            return "with its new partner"
        raise TransformError(f"AccountToId: partner {partner_sf or '(empty)'} is not synced")
    return CrmPartnerLink(
        opportunity_id=deal_id,
        partner_id=partner_id,
        role=values["role"],
        primary=bool(values.get("primary")),
        external_id=str(record.get("Id") or ""),
        deleted=False,
        modstamp=stamp,
        role_policy=policy,
    )


def partner_links_plan(ctx, job_id: int, records: list[dict], plan, modstamp, error_text):
    """Plan the page: records turned into links (errors noted now), applied by `plan.deferred`
    in a real run, or previewed through the provider at once in a dry run."""
    deals, partners = _refs(ctx, records)
    links: list[CrmPartnerLink] = []
    for record in records:
        sf_id = str(record.get("Id") or "")
        try:
            stamp = modstamp(record)
            plan.newest = stamp if plan.newest is None or stamp > plan.newest else plan.newest
            if record.get("IsDeleted"):
                links.append(CrmPartnerLink(0, 0, "", False, sf_id, True, stamp))
                continue
            link = _record_link(ctx, record, stamp, deals, partners)
            if isinstance(link, str):
                plan.note(ctx, job_id, sf_id, SyncAction.CREATE, link)
            else:
                links.append(link)
        except (TransformError, ValidationError) as exc:
            plan.note(ctx, job_id, sf_id or "(no Id)", SyncAction.ERROR, error_text(exc))
    if not links:
        return plan

    def apply() -> None:
        organization = Organization.objects.get(pk=ctx.organization_id)
        results = crm_partner_links(
            organization, actor=ctx.actor, links=links, source=LINK_SOURCE, dry_run=ctx.dry_run
        )
        for result in results:
            plan.note(
                ctx, job_id, result.external_id, ACTIONS[result.outcome], result.message, result.changes
            )

    if ctx.dry_run:
        apply()
    else:
        plan.deferred = apply
    return plan
