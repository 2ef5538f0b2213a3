"""Deal–partner links mirrored from a CRM (Salesforce OpportunityPartner records).

The core's sync resolves each CRM record to our deal and partner and calls the
`crm_partner_links` provider, which this module implements. Each record is written through
the same path as any other link change (`_link_store`: validated, saved, audited), and the
accounts they reach are aligned once, so splits and the attribution ledger follow as usual.

- Identity is the CRM record id (`external_id`): a re-run with the same records changes
  nothing. A record for a deal, partner and role that already has a link made here adopts
  that link (it keeps its source and split; the CRM id is stored on it).
- A record deleted in the CRM deactivates its link (status inactive); nothing is deleted.
- A role that differs from ours follows the mapping's conflict policy: `revops` keeps ours,
  `newest` keeps ours when the link changed after the CRM record; a kept role is a conflict.
- A preview (`dry_run`) validates and reports each outcome without writing anything.
- One record's refusal (a role another link of the same deal and partner holds, a deal or
  partner of another organization) is its own error; the others are written.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction

from attribution.locks import lock_opportunity
from attribution.models import LinkStatus, OpportunityPartner
from attribution.services.alignment import ledger_alignment_for_accounts
from attribution.services.links import LINK_FIELDS, _link_store
from revops.models import Opportunity, Organization, Partner
from revops.providers import CrmLinkResult, CrmPartnerLink, LinkOutcome
from revops.services.audit import snapshot

UNKNOWN_DEAL = "deal {id} is not in this organization"
UNKNOWN_PARTNER = "partner {id} is not in this organization"


def _error_text(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
    return " ".join(exc.messages)


def _keep_our_role(link: OpportunityPartner, record: CrmPartnerLink) -> bool:
    if record.role_policy == "revops":
        return True
    return record.role_policy == "newest" and link.updated_at > record.modstamp


def crm_partner_links_apply(
    organization: Organization,
    *,
    actor,
    links: Sequence[CrmPartnerLink],
    source: str,
    dry_run: bool = False,
) -> list[CrmLinkResult]:
    """Create, change or deactivate the deal–partner links the CRM records describe."""
    ext_ids = [r.external_id for r in links]
    deals = Opportunity.objects.filter(organization=organization).in_bulk({r.opportunity_id for r in links})
    partners = Partner.objects.filter(organization=organization).in_bulk({r.partner_id for r in links})
    existing = {
        link.external_id: link
        for link in OpportunityPartner.objects.filter(
            organization=organization, external_id__in=ext_ids
        ).exclude(external_id="")
    }
    by_key = {
        (link.opportunity_id, link.partner_id, link.role): link
        for link in OpportunityPartner.objects.filter(
            organization=organization, opportunity_id__in=list(deals), external_id=""
        )
    }
    results: list[CrmLinkResult] = []
    touched: set[int] = set()
    with transaction.atomic():
        for record in links:
            try:
                # One savepoint per record: a refused record leaves the others written.
                with transaction.atomic():
                    result, account_id = _apply_one(
                        organization, record, actor=actor, source=source, dry_run=dry_run,
                        deals=deals, partners=partners, existing=existing, by_key=by_key,
                    )  # fmt: skip
            except ValidationError as exc:
                result, account_id = (
                    CrmLinkResult(record.external_id, LinkOutcome.ERROR, _error_text(exc)),
                    None,
                )
            results.append(result)
            if account_id is not None:
                touched.add(account_id)
        if touched and not dry_run:
            ledger_alignment_for_accounts(organization=organization, actor=actor, account_ids=touched)
    return results


def _apply_one(
    organization, record, *, actor, source, dry_run, deals, partners, existing, by_key
) -> tuple[CrmLinkResult, int | None]:
    ext = record.external_id
    link: OpportunityPartner | None = existing.get(ext)
    if record.deleted:
        if link is None or link.status == LinkStatus.INACTIVE:
            return CrmLinkResult(ext, LinkOutcome.UNCHANGED, "deleted in Salesforce; no active link"), None
        changes = {"status": [link.status, LinkStatus.INACTIVE]}
        if not dry_run:
            values = (link.partner, link.role, link.split_percent, LinkStatus.INACTIVE, link.source)
            _store(link, values=values, actor=actor, record=record, before=snapshot(link, LINK_FIELDS))
        return CrmLinkResult(ext, LinkOutcome.DEACTIVATED, "", changes), link.opportunity.account_id
    deal, partner = deals.get(record.opportunity_id), partners.get(record.partner_id)
    if deal is None:
        raise ValidationError({"opportunity": UNKNOWN_DEAL.format(id=record.opportunity_id)})
    if partner is None:
        raise ValidationError({"partner": UNKNOWN_PARTNER.format(id=record.partner_id)})
    if link is None:
        link = by_key.get((deal.pk, partner.pk, record.role))
    created = link is None
    link = link or OpportunityPartner(organization=organization, opportunity=deal, source=source)
    role, kept = record.role, {}
    if not created and link.role != record.role and _keep_our_role(link, record):
        role, kept = link.role, {"role": [link.role, record.role]}
    wanted = {
        "opportunity_id": deal.pk,
        "partner_id": partner.pk,
        "role": role,
        "status": LinkStatus.ACTIVE,
        "is_primary": record.primary,
        "external_id": ext,
    }
    # A new link shows its values; a changed one each changed field as [old, new].
    changes: dict = (
        dict(wanted)
        if created
        else {k: [getattr(link, k), v] for k, v in wanted.items() if getattr(link, k) != v}
    )
    if not changes:
        outcome = LinkOutcome.CONFLICT if kept else LinkOutcome.UNCHANGED
        return CrmLinkResult(ext, outcome, "revops role kept" if kept else "", kept or None), None
    before = {} if created else snapshot(link, LINK_FIELDS)
    link.opportunity, link.is_primary, link.external_id = deal, record.primary, ext
    values = (partner, role, link.split_percent, LinkStatus.ACTIVE, link.source)
    if dry_run:
        link.partner, link.role, link.status = partner, role, LinkStatus.ACTIVE
        link.full_clean()
    else:
        lock_opportunity(opportunity_id=deal.pk)
        _store(link, values=values, actor=actor, record=record, before=before)
        existing[ext] = link
    outcome = LinkOutcome.CREATED if created else LinkOutcome.UPDATED
    shown = {k: v for k, v in changes.items() if k != "external_id"}
    return CrmLinkResult(ext, outcome, "", {**shown, **({"kept": kept} if kept else {})}), deal.account_id


def _store(link: OpportunityPartner, *, values: tuple, actor, record: CrmPartnerLink, before: dict) -> None:
    """Save through the link service's store (validated, audited), then stamp the link with the
    CRM record's time so a later edit here is recognisably newer (the `newest` policy)."""
    _link_store(
        link,
        values=values,
        actor=actor,
        action="opportunity_partner.set",
        before=before,
        reason=f"Salesforce OpportunityPartner {record.external_id}",
    )
    OpportunityPartner.objects.filter(pk=link.pk).update(updated_at=record.modstamp)
    link.updated_at = record.modstamp
