"""Partner touchpoints: a partner reports an activity (portal or API); the approval engine
decides it; only an approved one counts.

What an approved touchpoint counts for (influence credit):

- It names a deal: the partner gets an influence link on that deal (role "influence", source
  "touchpoint", split left to the role's default), unless the partner is already on the deal
  in any role — an activity never changes an existing link.
- It names only an account: the same, on each open deal of the account at approval time.
- The links are made through partner attribution's link service, so the splits, the ledger
  alignment and the audit follow as for any other link. The deals credited are stored on the
  touchpoint (`credited_opportunity_ids`).
- It enters marketing journeys as a "Partner" touch (partners.providers), so partner- and
  marketing-influenced revenue sit on the same journeys.

A rejected (or still waiting) touchpoint changes nothing anywhere.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from attribution.selectors.links import partner_ids_on_deal
from attribution.services.links import opportunity_partner_set
from partners.models import (
    ActivityType,
    ApprovalKind,
    ApprovalStatus,
    PartnerTouchpoint,
    TouchpointAttachment,
)
from partners.permissions import PartnerCap
from partners.selectors.approvals import RoutingFacts, approval_steps_for
from partners.selectors.touchpoints import open_deals_of_account, touchpoint_accounts, touchpoint_deals
from partners.services.approval_engine import ApprovalSubject, subject_decide, subjects_escalate
from partners.services.attachments import attachments_check
from partners.services.program import program_settings_get
from revops.exceptions import ApplicationError
from revops.models import Account, Membership, Opportunity, Organization
from revops.models.crm import PartnerType
from revops.permissions import has_cap
from revops.selectors.periods import organization_today
from revops.services.audit import audit_record, snapshot

TOUCHPOINT_SOURCE = "touchpoint"
OWN_TOUCHPOINT = "Nobody decides a touchpoint they submitted."
FUTURE_DATE = "An activity is reported once it has taken place: the date is in the future."
DESCRIPTION_REQUIRED = "Say what took place."
DEAL_NOT_ON_ACCOUNT = "The deal is not on this account."
AUDIT_FIELDS = ("status", "activity_type", "occurred_on", "account", "opportunity", "current_step")


@dataclass(frozen=True)
class TouchpointInput:
    """What a partner fills in to report an activity."""

    account: Account
    opportunity: Opportunity | None
    activity_type: str
    occurred_on: dt.date
    description: str


def _routing_facts(touchpoint: PartnerTouchpoint) -> RoutingFacts:
    deal = touchpoint.opportunity
    if deal is not None:
        others = partner_ids_on_deal(organization=touchpoint.organization, opportunity_id=deal.pk)
    else:
        others = set()
    return RoutingFacts(
        value=deal.amount if deal is not None else 0,
        partner_tier=touchpoint.partner.tier,
        region=touchpoint.account.region,
        product_line_id=deal.product_line_id if deal is not None else None,
        conflict=bool(others - {touchpoint.partner_id}),
    )


@transaction.atomic
def touchpoint_submit(
    *,
    membership: Membership,
    data: TouchpointInput,
    attachments: list[UploadedFile] | None = None,
    now: dt.datetime | None = None,
) -> PartnerTouchpoint:
    """Report an activity for the member's partner: checked, routed, audited.

    Bad input raises ValidationError naming the field (evidence by file name); nothing is
    written then. The account must be one the partner works on (its deals, its account
    shares, its approved registrations); the deal, when given, one the partner is on.
    """
    if not has_cap(membership, PartnerCap.REGISTRATION_SUBMIT) or membership.partner_id is None:
        raise PermissionDenied
    assert membership.partner is not None  # partner_id checked above
    now = now or timezone.now()
    organization = membership.organization
    attachments = attachments or []
    attachments_check(attachments)
    errors: dict[str, list[str]] = {}
    if not touchpoint_accounts(membership=membership).filter(pk=data.account.pk).exists():
        raise Account.DoesNotExist
    if data.opportunity is not None:
        if not touchpoint_deals(membership=membership).filter(pk=data.opportunity.pk).exists():
            raise Opportunity.DoesNotExist
        if data.opportunity.account_id != data.account.pk:
            errors["opportunity"] = [DEAL_NOT_ON_ACCOUNT]
    if data.activity_type not in ActivityType.values:
        errors["activity_type"] = [f"Choose one of: {', '.join(ActivityType.labels)}."]
    if data.occurred_on > organization_today(organization):
        errors["occurred_on"] = [FUTURE_DATE]
    if not data.description.strip():
        errors["description"] = [DESCRIPTION_REQUIRED]
    if errors:
        raise ValidationError(errors)
    touchpoint = PartnerTouchpoint(
        organization=organization,
        partner=membership.partner,
        submitted_by=membership.user,
        account=data.account,
        opportunity=data.opportunity,
        activity_type=data.activity_type,
        occurred_on=data.occurred_on,
        description=data.description.strip(),
    )
    facts = _routing_facts(touchpoint)
    settings = program_settings_get(organization=organization)
    touchpoint.has_conflict = facts.conflict
    touchpoint.steps = approval_steps_for(
        organization, facts, default_sla_hours=settings.default_sla_hours, kind=ApprovalKind.TOUCHPOINT
    )
    touchpoint.step_due_at = now + dt.timedelta(hours=touchpoint.steps[0]["sla_hours"])
    touchpoint.full_clean(exclude=["organization", "partner", "submitted_by", "account", "opportunity"])
    touchpoint.save()
    for upload in attachments:
        TouchpointAttachment.objects.create(
            organization=organization,
            touchpoint=touchpoint,
            file=upload,
            name=upload.name or "file",
            size=upload.size or 0,
            content_type=getattr(upload, "content_type", "") or "",
        )
    audit_record(
        organization=organization,
        actor=membership.user,
        action="partner_touchpoint.submit",
        obj=touchpoint,
        after=snapshot(touchpoint, list(AUDIT_FIELDS)),
    )
    return touchpoint


def _describe(touchpoint: PartnerTouchpoint) -> str:
    return f"Touchpoint {touchpoint.pk} ({touchpoint.get_activity_type_display()}, {touchpoint.account.name})"


def _approve_final(touchpoint: PartnerTouchpoint, membership: Membership, now: dt.datetime) -> str:
    """The last step approved: influence links on the deals the partner is not on yet."""
    if touchpoint.opportunity_id is not None:
        deals = [touchpoint.opportunity]
    else:
        deals = open_deals_of_account(
            organization_id=touchpoint.organization_id, account_id=touchpoint.account_id
        )
    credited = []
    for deal in deals:
        on_deal = partner_ids_on_deal(organization=touchpoint.organization, opportunity_id=deal.pk)
        if touchpoint.partner_id in on_deal:
            continue
        try:
            opportunity_partner_set(
                membership=membership,
                opportunity=deal,
                partner=touchpoint.partner,
                role=PartnerType.INFLUENCE,
                split_percent=None,
                reason=f"Partner touchpoint {touchpoint.pk} approved ({touchpoint.title})",
                source=TOUCHPOINT_SOURCE,
            )
        except Opportunity.DoesNotExist as exc:
            raise ApplicationError(
                "A deal this credits is outside your scope: its owner's manager or an admin approves."
            ) from exc
        credited.append(deal.pk)
    touchpoint.status = ApprovalStatus.APPROVED
    touchpoint.decided_at = now
    touchpoint.credited_opportunity_ids = credited
    if credited:
        return f"It counts toward influence credit on {len(credited)} deal(s)."
    return "Your partner was already on the deal; the activity is on record."


TOUCHPOINTS = ApprovalSubject(
    kind=ApprovalKind.TOUCHPOINT,
    model=PartnerTouchpoint,
    decision_field="touchpoint",
    pending=ApprovalStatus.SUBMITTED,
    rejected=ApprovalStatus.REJECTED,
    audit_action="partner_touchpoint",
    audit_fields=AUDIT_FIELDS,
    select_related=("partner", "account", "opportunity", "submitted_by", "organization"),
    own_request=OWN_TOUCHPOINT,
    describe=_describe,
    finalize=_approve_final,
)


@transaction.atomic
def touchpoint_decide(
    *,
    membership: Membership,
    touchpoint_id: int,
    approve: bool,
    reason: str = "",
    now: dt.datetime | None = None,
) -> PartnerTouchpoint:
    """Approve or reject the touchpoint's current step (the approval engine's rules)."""
    return subject_decide(
        spec=TOUCHPOINTS, membership=membership, pk=touchpoint_id, approve=approve, reason=reason, now=now
    )


def touchpoints_escalate(*, organization: Organization, now: dt.datetime | None = None) -> int:
    return subjects_escalate(spec=TOUCHPOINTS, organization=organization, now=now or timezone.now())
