"""Partner links: set or remove a deal's partner split (with a reason) and an account's share
(capped at 100 %). Every change queues the ledger alignment of its account, on commit.

A change asked on the deal page or through the API goes through `opportunity_partner_change`,
which first asks the core's split-change review (`revops.providers.split_change_review`): a
change larger than the organization allows waits for approval there and applies later
through `opportunity_partner_set`, which applies at once (approved requests, registrations,
accepted disputes, imports).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Sum

from attribution.engine import quantize_percent
from attribution.locks import lock_account, lock_opportunity
from attribution.models import AccountPartner, LinkSource, LinkStatus, OpportunityPartner
from attribution.permissions import AttributionCap
from attribution.services.alignment import ledger_alignment_for_accounts
from attribution.services.settings import attribution_settings_get
from revops.exceptions import ApplicationError
from revops.models import Account, Membership, Opportunity, Organization, Partner
from revops.permissions import has_cap
from revops.providers import SplitChangeProposal, SplitReview, split_change_review
from revops.services.audit import audit_record, snapshot
from revops.versions import NEW_RECORD, check_version

HUNDRED = Decimal("100")
SPLIT_REASON_REQUIRED = "Say why the split changes."
DEAL_SPLITS_OVER_100 = "The deal's fixed splits would add up to {total} %, over 100 %."
ACCOUNT_SPLITS_OVER_100 = "The account's splits would add up to {total} %, over 100 %."
LINK_FIELDS = ["partner", "role", "split_percent", "source", "status"]
LINK_GONE = "The partner link was removed by someone else after you opened it; nothing was saved."


def _require_editor(membership: Membership | None) -> None:
    if not has_cap(membership, AttributionCap.EDIT):
        raise PermissionDenied


def _partner_in_scope(membership: Membership, partner: Partner) -> Partner:
    return Partner.objects.visible_to(membership).get(pk=partner.pk)


def _active_total(links, current) -> Decimal:
    """The summed split of the other active links (the one being changed left out)."""
    others = links.filter(status=LinkStatus.ACTIVE).exclude(pk=current.pk if current else None)
    return others.aggregate(total=Sum("split_percent"))["total"] or Decimal("0")


def _link_version_check(link, expected_version: str | None) -> None:
    """Refuse a change that started from another version of the link (revops.versions).

    Called under the deal's or account's lock, which every link write takes, so the link read
    is the committed one. `NEW_RECORD` means the caller saw no such link: one added since is
    stale too; a version for a link removed since is refused as gone. Nothing is written.
    """
    if expected_version is None or expected_version == "*":
        return
    if link is None:
        if expected_version != NEW_RECORD:
            raise ApplicationError(LINK_GONE)
        return
    check_version(current=link, expected_version=expected_version)


def _account_id(link) -> int:
    return link.account_id if isinstance(link, AccountPartner) else link.opportunity.account_id


def _link_store(link, *, values: tuple, actor, action: str, before: dict, reason: str):
    """Set (partner, role, split, status, source), validate, save and audit the link."""
    link.partner, link.role, link.split_percent, link.status, link.source = values
    link.full_clean()
    link.save()
    audit_record(
        organization=link.organization,
        actor=actor,
        action=action,
        obj=link,
        before=before,
        after=snapshot(link, LINK_FIELDS),
        reason=reason,
    )
    return link


def _link_save(link, *, values: tuple, membership: Membership, action: str, before: dict, reason: str):
    """Store the link and queue the alignment of its account, in one go."""
    _link_store(link, values=values, actor=membership.user, action=action, before=before, reason=reason)
    ledger_alignment_for_accounts(
        organization=link.organization, actor=membership.user, account_ids=[_account_id(link)]
    )
    return link


@dataclass(frozen=True)
class LinkWrite:
    """One checked link of an import: a deal's (`opportunity_id`) or an account's (`account_id`)."""

    partner_id: int
    role: str
    split_percent: Decimal | None
    status: str
    opportunity_id: int | None = None
    account_id: int | None = None


@transaction.atomic
def partner_links_write(
    *, organization: Organization, actor, links: list[LinkWrite], reason: str, source: str = LinkSource.MANUAL
) -> int:
    """Create or change many partner links checked by an import; queue one alignment for them all.

    The caps (a deal's fixed splits, an account's shares) were checked by the import across
    its rows and the links it leaves alone; each link is validated, saved and audited like a
    single change, and the accounts they reach are aligned once. Returns the links written.
    """
    partners = Partner.objects.in_bulk({w.partner_id for w in links})
    deals = Opportunity.objects.in_bulk({w.opportunity_id for w in links if w.opportunity_id})
    accounts = Account.objects.in_bulk({w.account_id for w in links if w.account_id})
    touched: set[int] = set()
    for write in links:
        link: OpportunityPartner | AccountPartner | None
        if write.opportunity_id is not None:
            lock_opportunity(opportunity_id=write.opportunity_id)
            link = OpportunityPartner.objects.filter(
                opportunity_id=write.opportunity_id, partner_id=write.partner_id, role=write.role
            ).first() or OpportunityPartner(
                organization=organization, opportunity=deals[write.opportunity_id]
            )
            action, account_id = "opportunity_partner.set", deals[write.opportunity_id].account_id
        else:
            assert write.account_id is not None
            lock_account(account_id=write.account_id)
            link = AccountPartner.objects.filter(
                account_id=write.account_id, partner_id=write.partner_id, role=write.role
            ).first() or AccountPartner(organization=organization, account=accounts[write.account_id])
            action, account_id = "account_partner.set", write.account_id
        before = snapshot(link, LINK_FIELDS) if link.pk else {}
        split = quantize_percent(write.split_percent) if write.split_percent is not None else None
        values = (partners[write.partner_id], write.role, split, write.status, source)
        _link_store(link, values=values, actor=actor, action=action, before=before, reason=reason)
        touched.add(account_id)
    if touched:
        ledger_alignment_for_accounts(organization=organization, actor=actor, account_ids=touched)
    return len(links)


@transaction.atomic
def opportunity_partner_set(
    *,
    membership: Membership,
    opportunity: Opportunity,
    partner: Partner,
    role: str,
    split_percent: Decimal | None,
    reason: str,
    status: str = LinkStatus.ACTIVE,
    source: str = LinkSource.MANUAL,
    expected_version: str | None = None,
) -> OpportunityPartner:
    """Add or change a partner's split on a deal; the reason is required and audited.

    A deal outside the member's scope (another team, another organization) raises
    Opportunity.DoesNotExist, as if it did not exist. Fixed splits of a deal cap at 100 %.
    `expected_version` (the link's version the edit started from) refuses a stale change
    with StaleRecordError, writing nothing.
    """
    _require_editor(membership)
    split_percent = quantize_percent(split_percent) if split_percent is not None else None
    if not reason.strip():
        raise ValidationError({"reason": SPLIT_REASON_REQUIRED})
    opportunity = Opportunity.objects.visible_to(membership).get(pk=opportunity.pk)
    partner = _partner_in_scope(membership, partner)
    lock_opportunity(opportunity_id=opportunity.pk)
    link = OpportunityPartner.objects.filter(opportunity=opportunity, partner=partner, role=role).first()
    _link_version_check(link, expected_version)
    before = snapshot(link, LINK_FIELDS) if link else {}
    if status == LinkStatus.ACTIVE and split_percent is not None:
        others = _active_total(OpportunityPartner.objects.filter(opportunity=opportunity), link)
        if others + split_percent > HUNDRED:
            raise ValidationError(
                {"split_percent": DEAL_SPLITS_OVER_100.format(total=others + split_percent)}
            )
    link = link or OpportunityPartner(organization=opportunity.organization, opportunity=opportunity)
    return _link_save(
        link,
        values=(partner, role, split_percent, status, source),
        membership=membership,
        action="opportunity_partner.set",
        before=before,
        reason=reason,
    )


@transaction.atomic
def opportunity_partner_change(
    *,
    membership: Membership,
    opportunity: Opportunity,
    partner: Partner,
    role: str,
    split_percent: Decimal | None,
    reason: str,
    status: str = LinkStatus.ACTIVE,
    source: str = LinkSource.MANUAL,
    expected_version: str | None = None,
) -> OpportunityPartner | SplitReview:
    """Change a partner's split on a deal as a user asks it: applied now, or — when the split
    review says the change is too large to apply without approval — a `SplitReview` naming
    the request that waits in the approval queue (nothing changes on the deal until then).
    A stale `expected_version` is refused before the review (nothing queued either)."""
    _require_editor(membership)
    if not reason.strip():
        raise ValidationError({"reason": SPLIT_REASON_REQUIRED})
    opportunity = Opportunity.objects.visible_to(membership).get(pk=opportunity.pk)
    partner = _partner_in_scope(membership, partner)
    lock_opportunity(opportunity_id=opportunity.pk)
    link = OpportunityPartner.objects.filter(opportunity=opportunity, partner=partner, role=role).first()
    _link_version_check(link, expected_version)
    proposed = quantize_percent(split_percent) if split_percent is not None else None
    review = split_change_review(
        membership=membership,
        proposal=SplitChangeProposal(
            opportunity_id=opportunity.pk,
            partner_id=partner.pk,
            role=role,
            current_split=link.split_percent if link and link.status == LinkStatus.ACTIVE else None,
            proposed_split=proposed if status == LinkStatus.ACTIVE else None,
            reason=reason.strip(),
        ),
    )
    if review is not None:
        return review
    return opportunity_partner_set(
        membership=membership,
        opportunity=opportunity,
        partner=partner,
        role=role,
        split_percent=split_percent,
        reason=reason,
        status=status,
        source=source,
        expected_version=expected_version,
    )


@transaction.atomic
def account_partner_set(
    *,
    membership: Membership,
    account: Account,
    partner: Partner,
    role: str,
    split_percent: Decimal,
    reason: str = "",
    status: str = LinkStatus.ACTIVE,
    source: str = LinkSource.MANUAL,
    expected_version: str | None = None,
) -> AccountPartner:
    """Add or change a partner's share of an account's revenue; audited.

    With the organization's account cap on, the account's active shares never exceed 100 %:
    the account row is locked before the shares are summed, so concurrent calls queue up
    and each sees the others' committed shares. A stale `expected_version` is refused
    (StaleRecordError), writing nothing.
    """
    _require_editor(membership)
    split_percent = quantize_percent(split_percent)
    account = Account.objects.visible_to(membership).get(pk=account.pk)
    partner = _partner_in_scope(membership, partner)
    lock_account(account_id=account.pk)
    link = AccountPartner.objects.filter(account=account, partner=partner, role=role).first()
    _link_version_check(link, expected_version)
    before = snapshot(link, LINK_FIELDS) if link else {}
    settings = attribution_settings_get(organization=account.organization)
    if settings.enforce_account_cap and status == LinkStatus.ACTIVE:
        others = _active_total(AccountPartner.objects.filter(account=account), link)
        if others + split_percent > HUNDRED:
            raise ValidationError(
                {"split_percent": ACCOUNT_SPLITS_OVER_100.format(total=others + split_percent)}
            )
    link = link or AccountPartner(organization=account.organization, account=account)
    return _link_save(
        link,
        values=(partner, role, split_percent, status, source),
        membership=membership,
        action="account_partner.set",
        before=before,
        reason=reason,
    )


def _remove_link(
    *, membership: Membership, link, action: str, reason: str, expected_version: str | None
) -> None:
    """Delete the link (read again under its parent's lock), audit and align; a link that a
    concurrent request removed first is a no-op, so a double submit writes one audit row.
    A link changed since `expected_version` is not removed (StaleRecordError)."""
    current = type(link).objects.filter(pk=link.pk).first()
    if current is None:
        return
    _link_version_check(current, expected_version)
    link = current
    before = snapshot(link, LINK_FIELDS)
    link_pk, account_id = link.pk, _account_id(link)
    link.delete()
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action=action,
        object_type=link._meta.label_lower,
        object_id=str(link_pk),
        before=before,
        reason=reason,
    )
    ledger_alignment_for_accounts(
        organization=membership.organization, actor=membership.user, account_ids=[account_id]
    )


@transaction.atomic
def opportunity_partner_remove(
    *, membership: Membership, link: OpportunityPartner, reason: str, expected_version: str | None = None
) -> None:
    """Take a partner off a deal (audited, with a reason); the alignment reverses its share.
    Removing a link already removed is a no-op."""
    _require_editor(membership)
    if not reason.strip():
        raise ValidationError({"reason": SPLIT_REASON_REQUIRED})
    lock_opportunity(opportunity_id=link.opportunity_id)
    _remove_link(
        membership=membership,
        link=link,
        action="opportunity_partner.remove",
        reason=reason,
        expected_version=expected_version,
    )


@transaction.atomic
def account_partner_remove(
    *, membership: Membership, link: AccountPartner, reason: str, expected_version: str | None = None
) -> None:
    """Take a partner's share off an account (audited, with a reason); the alignment reverses it.
    Removing a share already removed is a no-op."""
    _require_editor(membership)
    if not reason.strip():
        raise ValidationError({"reason": SPLIT_REASON_REQUIRED})
    lock_account(account_id=link.account_id)
    _remove_link(
        membership=membership,
        link=link,
        action="account_partner.remove",
        reason=reason,
        expected_version=expected_version,
    )
