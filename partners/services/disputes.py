"""Partner disputes: open, comment, internal note, withdraw, accept or reject.

- `dispute_open`: a partner user on their partner's deal (or one of its statement lines), or an
  internal rep or manager on a deal they see, for a partner linked to it: the claim, the
  proposed split, evidence. Due by the program's dispute SLA.
- `dispute_comment`: a message both sides read; `internal=True` makes it an internal note the
  partner never sees (internal members only).
- `dispute_withdraw`: the member who opened it takes it back while it is pending.
- `dispute_resolve`: an approver accepts or rejects it (a reason is required to reject;
  nobody resolves a dispute they opened). Accepted, the proposed split is set through partner
  attribution's link service with the dispute as its reason, and the ledger difference is
  posted at once (`deal_ledger_align`), each entry citing the dispute; closed periods are
  never written. Rejected, the ledger is not touched.

Concurrent resolutions give one outcome: the dispute row is locked (SELECT ... FOR UPDATE)
before its status is read, so a second resolution waits, then finds it resolved and is
refused without writing anything. Every step is audited and e-mailed to the other side after
commit.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from attribution.selectors.visible import entry_list
from attribution.services.ledger_align import deal_ledger_align
from attribution.services.links import opportunity_partner_set
from partners.models import (
    PENDING_DISPUTE_STATUSES,
    DisputeAttachment,
    DisputeComment,
    DisputeSide,
    DisputeStatus,
    PartnerDispute,
)
from partners.permissions import PartnerCap
from partners.selectors.disputes import dispute_get, partner_links_on_deal
from partners.services.attachments import attachments_check
from partners.services.mail import mail_on_commit
from partners.services.program import program_settings_get
from revops.exceptions import ApplicationError
from revops.models import Membership, Opportunity, Role
from revops.permissions import Cap, has_cap
from revops.services.audit import audit_record, snapshot

AUDIT_FIELDS = ["status", "proposed_split_percent", "current_split_percent", "reviewer", "resolution_reason"]
CLAIM_REQUIRED = "Say what is wrong with the split: the claim is required."
COMMENT_REQUIRED = "Write the comment."
REJECT_REASON_REQUIRED = "Give the partner a reason for the rejection."
OWN_DISPUTE = "Nobody resolves a dispute they opened."
NOT_PENDING = "This dispute is already {status}."
NOT_LINKED = "This partner is not linked to the deal."
NO_DEAL_LINE = "This statement line has no deal: ask your channel manager about the account's share."
ONLY_OPENER_WITHDRAWS = "Only the person who opened the dispute withdraws it."
LEDGER_REFERENCE_KIND = "partner_dispute"


def _side(membership: Membership) -> str:
    return DisputeSide.PARTNER if has_cap(membership, Cap.PORTAL) else DisputeSide.INTERNAL


def _reference(dispute: PartnerDispute) -> dict:
    return {
        "kind": LEDGER_REFERENCE_KIND,
        "id": dispute.pk,
        "label": f"Partner dispute {dispute.pk} accepted",
    }


def _internal_addresses(dispute: PartnerDispute) -> list[str]:
    """The internal side: the reviewer if any, else the deal's owner and the approvers."""
    if dispute.reviewer_id:
        return [dispute.reviewer.email]
    approvers = (
        get_user_model()
        .objects.filter(
            memberships__organization_id=dispute.organization_id,
            memberships__is_active=True,
            memberships__role__in=[Role.ADMIN, Role.MANAGER],
        )
        .values_list("email", flat=True)[:20]
    )
    owner = dispute.opportunity.owner.email if dispute.opportunity.owner_id else ""
    return [owner, *approvers]


def _partner_addresses(dispute: PartnerDispute) -> list[str]:
    """The partner side: whoever opened it if a partner user, plus partner users who commented."""
    addresses = list(
        DisputeComment.objects.filter(dispute=dispute, side=DisputeSide.PARTNER).values_list(
            "author__email", flat=True
        )
    )
    if dispute.side == DisputeSide.PARTNER:
        addresses.append(dispute.opened_by.email)
    return addresses


def _notify_other_side(dispute: PartnerDispute, *, from_side: str, subject: str, body: str) -> None:
    to = _internal_addresses(dispute) if from_side == DisputeSide.PARTNER else _partner_addresses(dispute)
    if from_side == DisputeSide.INTERNAL and dispute.side == DisputeSide.INTERNAL:
        # Opened by a rep for the partner: the rep hears of the outcome too.
        to = [*to, dispute.opened_by.email]
    mail_on_commit(to=to, subject=subject, body=body)


@transaction.atomic
def dispute_open(
    *,
    membership: Membership,
    opportunity_id: int,
    claim: str,
    proposed_split_percent: Decimal,
    partner_id: int | None = None,
    entry_id: int | None = None,
    attachments: list[UploadedFile] | None = None,
    now: dt.datetime | None = None,
) -> PartnerDispute:
    """Open a dispute on the partner's split of a deal (or on one of its statement lines).

    A deal the member may not dispute (another partner's, another team's, another
    organization's) raises Opportunity.DoesNotExist (→ 404). Bad input raises ValidationError
    naming the field; nothing is written then.
    """
    if not has_cap(membership, PartnerCap.DISPUTE_OPEN):
        raise PermissionDenied
    attachments = attachments or []
    attachments_check(attachments)
    links = partner_links_on_deal(membership=membership, opportunity_id=opportunity_id)
    if has_cap(membership, Cap.PORTAL):
        partner_id = membership.partner_id
    link = next((lk for lk in links if lk.partner_id == partner_id), None)
    if link is None:
        raise ValidationError({"partner": NOT_LINKED})
    claim = (claim or "").strip()
    if not claim:
        raise ValidationError({"claim": CLAIM_REQUIRED})
    now = now or timezone.now()
    settings = program_settings_get(organization=membership.organization)
    dispute = PartnerDispute(
        organization=membership.organization,
        partner_id=link.partner_id,
        opportunity=link.opportunity,
        entry_id=entry_id,
        role=link.role,
        side=_side(membership),
        opened_by=membership.user,
        claim=claim,
        current_split_percent=link.split_percent,
        proposed_split_percent=proposed_split_percent,
        due_at=now + dt.timedelta(hours=settings.dispute_sla_hours),
    )
    dispute.full_clean(exclude=["organization", "partner", "opportunity", "opened_by", "entry"])
    dispute.save()
    for upload in attachments:
        DisputeAttachment.objects.create(
            organization=membership.organization,
            dispute=dispute,
            file=upload,
            name=upload.name or "file",
            size=upload.size or 0,
            content_type=getattr(upload, "content_type", "") or "",
        )
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="partner_dispute.open",
        obj=dispute,
        after=snapshot(dispute, AUDIT_FIELDS) | {"opportunity": dispute.opportunity_id, "entry": entry_id},
    )
    _notify_other_side(
        dispute,
        from_side=dispute.side,
        subject=f"Dispute {dispute.pk} opened on {dispute.opportunity.name}",
        body=f"Proposed split: {dispute.proposed_split_percent} %.\n\n{claim}\n\nDue by {dispute.due_at:%Y-%m-%d %H:%M} UTC.",
    )
    return dispute


@transaction.atomic
def dispute_open_from_entry(
    *,
    membership: Membership,
    entry_id: int,
    claim: str,
    proposed_split_percent: Decimal,
    attachments: list[UploadedFile] | None = None,
) -> PartnerDispute:
    """Open a dispute on one statement line: the line's deal, the member's partner."""
    entry = entry_list(membership=membership).select_related("revenue_event").get(pk=entry_id)
    if entry.revenue_event.opportunity_id is None:
        raise ApplicationError(NO_DEAL_LINE)
    return dispute_open(
        membership=membership,
        opportunity_id=entry.revenue_event.opportunity_id,
        partner_id=entry.partner_id,
        entry_id=entry.pk,
        claim=claim,
        proposed_split_percent=proposed_split_percent,
        attachments=attachments,
    )


def _locked(membership: Membership, dispute_id: int) -> PartnerDispute:
    """The dispute, in the member's scope, locked for the rest of the transaction."""
    dispute_get(membership=membership, pk=dispute_id)  # scope first: DoesNotExist outside it
    return (
        PartnerDispute.objects.select_for_update(of=("self",))
        .select_related("opportunity__owner", "opened_by", "reviewer", "organization", "partner")
        .get(pk=dispute_id, organization_id=membership.organization_id)
    )


def _refuse_unless_pending(dispute: PartnerDispute) -> None:
    if dispute.status not in PENDING_DISPUTE_STATUSES:
        raise ApplicationError(NOT_PENDING.format(status=dispute.get_status_display().lower()))


@transaction.atomic
def dispute_comment(
    *, membership: Membership, dispute_id: int, body: str, internal: bool = False
) -> DisputeComment:
    """Add a comment (both sides read it) or, for internal members, an internal note.

    The first word of someone who may resolve moves an open dispute to "under review", with
    them as its reviewer.
    """
    if not has_cap(membership, PartnerCap.DISPUTE_VIEW):
        raise PermissionDenied
    side = _side(membership)
    if internal and side == DisputeSide.PARTNER:
        raise PermissionDenied
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": COMMENT_REQUIRED})
    dispute = _locked(membership, dispute_id)
    comment = DisputeComment(
        organization=dispute.organization, dispute=dispute, author=membership.user, side=side, body=body
    )
    comment.internal = internal
    comment.full_clean(exclude=["organization", "dispute", "author"])
    comment.save()
    if (
        dispute.status == DisputeStatus.OPEN
        and side == DisputeSide.INTERNAL
        and has_cap(membership, PartnerCap.APPROVE)
        and dispute.opened_by_id != membership.user_id
    ):
        _start_review(dispute, membership)
    audit_record(
        organization=dispute.organization,
        actor=membership.user,
        action="partner_dispute.note" if internal else "partner_dispute.comment",
        obj=dispute,
        after={"comment": comment.pk, "internal": internal},
    )
    if not internal:
        _notify_other_side(
            dispute,
            from_side=side,
            subject=f"Dispute {dispute.pk}: a new comment",
            body=body,
        )
    return comment


def _start_review(dispute: PartnerDispute, membership: Membership) -> None:
    dispute.status = DisputeStatus.UNDER_REVIEW
    dispute.reviewer = membership.user
    dispute.review_started_at = timezone.now()
    dispute.save(update_fields=["status", "reviewer", "review_started_at", "updated_at"])
    audit_record(
        organization=dispute.organization,
        actor=membership.user,
        action="partner_dispute.review",
        obj=dispute,
        before={"status": DisputeStatus.OPEN},
        after={"status": DisputeStatus.UNDER_REVIEW},
    )


@transaction.atomic
def dispute_withdraw(*, membership: Membership, dispute_id: int) -> PartnerDispute:
    """The member who opened the dispute takes it back (a no-op when already withdrawn)."""
    dispute = _locked(membership, dispute_id)
    if dispute.opened_by_id != membership.user_id:
        raise ApplicationError(ONLY_OPENER_WITHDRAWS)
    if dispute.status == DisputeStatus.WITHDRAWN:
        return dispute
    _refuse_unless_pending(dispute)
    before = snapshot(dispute, AUDIT_FIELDS)
    dispute.status = DisputeStatus.WITHDRAWN
    dispute.resolved_at = timezone.now()
    dispute.save(update_fields=["status", "resolved_at", "updated_at"])
    audit_record(
        organization=dispute.organization,
        actor=membership.user,
        action="partner_dispute.withdraw",
        obj=dispute,
        before=before,
        after=snapshot(dispute, AUDIT_FIELDS),
    )
    _notify_other_side(
        dispute,
        from_side=dispute.side,
        subject=f"Dispute {dispute.pk} was withdrawn",
        body=f"The dispute on {dispute.opportunity.name} was withdrawn by the person who opened it.",
    )
    return dispute


@transaction.atomic
def dispute_resolve(
    *,
    membership: Membership,
    dispute_id: int,
    accept: bool,
    reason: str = "",
    now: dt.datetime | None = None,
) -> PartnerDispute:
    """Accept or reject a pending dispute as `membership` (see the module docstring).

    Refusals (ApplicationError / ValidationError) write nothing: a resolved dispute, one's own
    dispute, a rejection without a reason, a split the deal cannot take (fixed splits over
    100 %), a deal outside the member's scope.
    """
    if not has_cap(membership, PartnerCap.APPROVE):
        raise PermissionDenied
    reason = (reason or "").strip()
    if not accept and not reason:
        raise ValidationError({"reason": REJECT_REASON_REQUIRED})
    dispute = _locked(membership, dispute_id)
    _refuse_unless_pending(dispute)
    if dispute.opened_by_id == membership.user_id:
        raise ApplicationError(OWN_DISPUTE)
    now = now or timezone.now()
    before = snapshot(dispute, AUDIT_FIELDS)
    if accept:
        _apply_split(dispute, membership, reason=reason)
    dispute.status = DisputeStatus.ACCEPTED if accept else DisputeStatus.REJECTED
    dispute.reviewer = membership.user
    dispute.resolution_reason = reason
    dispute.resolved_at = now
    dispute.save()
    audit_record(
        organization=dispute.organization,
        actor=membership.user,
        action="partner_dispute.accept" if accept else "partner_dispute.reject",
        obj=dispute,
        before=before,
        after=snapshot(dispute, AUDIT_FIELDS)
        | {
            "adjustment_entries": dispute.adjustment_entries,
            "adjustment_amount": str(dispute.adjustment_amount),
        },
        reason=reason,
    )
    verdict = "accepted" if accept else "rejected"
    body = (
        f"The split on {dispute.opportunity.name} is now {dispute.proposed_split_percent} %."
        if accept
        else f"Reason: {reason}"
    )
    _notify_other_side(
        dispute, from_side=DisputeSide.INTERNAL, subject=f"Dispute {dispute.pk} was {verdict}", body=body
    )
    return dispute


def _apply_split(dispute: PartnerDispute, membership: Membership, *, reason: str) -> None:
    """Set the proposed split through the link service, then post the ledger difference now."""
    label = f"Partner dispute {dispute.pk} accepted"
    try:
        opportunity_partner_set(
            membership=membership,
            opportunity=dispute.opportunity,
            partner=dispute.partner,
            role=dispute.role,
            split_percent=dispute.proposed_split_percent,
            reason=f"{label}: {reason}" if reason else label,
        )
    except Opportunity.DoesNotExist as exc:
        raise ApplicationError(
            f"The deal {dispute.opportunity.name} is outside your scope: its owner's manager or an admin resolves."
        ) from exc
    posted = deal_ledger_align(
        organization=dispute.organization,
        actor=membership.user,
        opportunity_id=dispute.opportunity_id,
        reference=_reference(dispute),
    )
    dispute.adjustment_entries = posted.entries
    dispute.adjustment_amount = posted.total
