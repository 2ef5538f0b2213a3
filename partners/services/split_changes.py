"""Split changes above the organization's review size wait for approval (the approval engine).

`split_change_review` is registered with the core (`revops.providers`) as the split-change
review: partner attribution asks it before applying a change made on the deal page or through
the API. A change moving a partner's split by more than `ProgramSettings.
split_change_review_points` percentage points (a missing split counts as 0) becomes a
`SplitChangeRequest` in the approval queue instead of applying; with the setting blank every
change applies at once. Changes that are already decisions — an approved registration or
touchpoint, an accepted dispute, an approved split change — call the link service directly.

Approval applies the change through partner attribution's `opportunity_partner_set` (the
ledger alignment posts the adjustment, the audit names the request); if the split moved
since the request was made, approval is refused rather than applied on a stale base.
Rejection changes nothing on the deal.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from attribution.selectors.links import partner_ids_on_deal, partner_split_on_deal
from attribution.services.links import opportunity_partner_set
from partners.models import ApprovalKind, ApprovalStatus, SplitChangeRequest
from partners.selectors.approvals import RoutingFacts, approval_steps_for
from partners.services.approval_engine import ApprovalSubject, subject_decide, subjects_escalate
from partners.services.program import program_settings_get
from revops.exceptions import ApplicationError
from revops.models import Membership, Opportunity, Organization, Partner
from revops.providers import SplitChangeProposal, SplitReview
from revops.services.audit import audit_record, snapshot

OWN_SPLIT_CHANGE = "Nobody decides a split change they asked for."
ALREADY_WAITING = "A change of this split already waits for approval (request {pk})."
SPLIT_MOVED = (
    "The split changed since this request was made ({then} % then, {now} % now); "
    "reject it and ask again from the current split."
)
AUDIT_FIELDS = ("status", "opportunity", "partner", "role", "current_split", "proposed_split", "current_step")


def _text(value: Decimal | None) -> str:
    return "default" if value is None else f"{value}"


def review_needed(*, threshold: Decimal | None, proposal: SplitChangeProposal) -> bool:
    """Whether the change moves the split by more than `threshold` points (None: never)."""
    if threshold is None:
        return False
    moved = abs((proposal.proposed_split or Decimal("0")) - (proposal.current_split or Decimal("0")))
    return moved > threshold


@transaction.atomic
def split_change_review(
    *, membership: Membership, proposal: SplitChangeProposal, now: dt.datetime | None = None
) -> SplitReview | None:
    """The core's split-change review: None (apply now), or the request that now waits."""
    organization = membership.organization
    settings = program_settings_get(organization=organization)
    if not review_needed(threshold=settings.split_change_review_points, proposal=proposal):
        return None
    now = now or timezone.now()
    opportunity = Opportunity.objects.select_related("account").get(
        pk=proposal.opportunity_id, organization=organization
    )
    partner = Partner.objects.get(pk=proposal.partner_id, organization=organization)
    waiting = SplitChangeRequest.objects.filter(
        opportunity=opportunity, partner=partner, role=proposal.role, status=ApprovalStatus.SUBMITTED
    ).first()
    if waiting is not None:
        raise ValidationError({"split_percent": [ALREADY_WAITING.format(pk=waiting.pk)]})
    others = partner_ids_on_deal(organization=organization, opportunity_id=opportunity.pk) - {partner.pk}
    facts = RoutingFacts(
        value=opportunity.amount,
        partner_tier=partner.tier,
        region=opportunity.account.region if opportunity.account_id else "",
        product_line_id=opportunity.product_line_id,
        conflict=bool(others),
    )
    request = SplitChangeRequest(
        organization=organization,
        opportunity=opportunity,
        partner=partner,
        role=proposal.role,
        current_split=proposal.current_split,
        proposed_split=proposal.proposed_split,
        reason=proposal.reason,
        submitted_by=membership.user,
        has_conflict=facts.conflict,
        steps=approval_steps_for(
            organization, facts, default_sla_hours=settings.default_sla_hours, kind=ApprovalKind.SPLIT_CHANGE
        ),
    )
    request.step_due_at = now + dt.timedelta(hours=request.steps[0]["sla_hours"])
    request.full_clean(exclude=["organization", "opportunity", "partner", "submitted_by"])
    request.save()
    audit_record(
        organization=organization,
        actor=membership.user,
        action="split_change.submit",
        obj=request,
        after=snapshot(request, list(AUDIT_FIELDS)),
        reason=proposal.reason,
    )
    return SplitReview(
        request_id=request.pk,
        message=(
            f"The split of {partner.name} moves by more than {settings.split_change_review_points} points: "
            f"the change waits for approval (request {request.pk}); nothing changes until then."
        ),
    )


def _describe(request: SplitChangeRequest) -> str:
    return (
        f"Split change {request.pk} ({request.partner.name} on {request.opportunity.name}: "
        f"{_text(request.current_split)} → {_text(request.proposed_split)} %)"
    )


def _approve_final(request: SplitChangeRequest, membership: Membership, now: dt.datetime) -> str:
    """The last step approved: apply the change through the link service (ledger follows)."""
    current = partner_split_on_deal(
        organization=request.organization,
        opportunity_id=request.opportunity_id,
        partner_id=request.partner_id,
        role=request.role,
    )
    if current != request.current_split:
        raise ApplicationError(SPLIT_MOVED.format(then=_text(request.current_split), now=_text(current)))
    try:
        opportunity_partner_set(
            membership=membership,
            opportunity=request.opportunity,
            partner=request.partner,
            role=request.role,
            split_percent=request.proposed_split,
            reason=f"Split change request {request.pk} approved: {request.reason}",
        )
    except (Opportunity.DoesNotExist, Partner.DoesNotExist) as exc:
        raise ApplicationError(
            "This deal is outside your scope: its owner's manager or an admin approves."
        ) from exc
    except PermissionDenied as exc:
        raise ApplicationError("Applying a split change takes the right to edit partner splits.") from exc
    request.status = ApprovalStatus.APPROVED
    request.decided_at = now
    return f"The split is now {_text(request.proposed_split)} %; the ledger is being brought in line."


SPLIT_CHANGES = ApprovalSubject(
    kind=ApprovalKind.SPLIT_CHANGE,
    model=SplitChangeRequest,
    decision_field="split_change",
    pending=ApprovalStatus.SUBMITTED,
    rejected=ApprovalStatus.REJECTED,
    audit_action="split_change",
    audit_fields=AUDIT_FIELDS,
    select_related=("partner", "opportunity", "submitted_by", "organization"),
    own_request=OWN_SPLIT_CHANGE,
    describe=_describe,
    finalize=_approve_final,
)


@transaction.atomic
def split_change_decide(
    *,
    membership: Membership,
    request_id: int,
    approve: bool,
    reason: str = "",
    now: dt.datetime | None = None,
) -> SplitChangeRequest:
    """Approve or reject a split-change request's current step (the approval engine's rules)."""
    return subject_decide(
        spec=SPLIT_CHANGES, membership=membership, pk=request_id, approve=approve, reason=reason, now=now
    )


def split_changes_escalate(*, organization: Organization, now: dt.datetime | None = None) -> int:
    return subjects_escalate(spec=SPLIT_CHANGES, organization=organization, now=now or timezone.now())
