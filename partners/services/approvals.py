"""Decisions on deal registrations through the approval engine
(partners.services.approval_engine): one step at a time, audited and e-mailed; the last
approval links the deal and credits the partner through partner attribution's services.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from attribution.services.links import opportunity_partner_set
from partners.models import ApprovalKind, DealRegistration, RegistrationStatus
from partners.selectors.conflicts import conflict_check, conflict_found
from partners.services.approval_engine import (
    REJECT_REASON_REQUIRED,
    ApprovalSubject,
    subject_decide,
    subjects_escalate,
)
from partners.services.program import program_settings_get
from partners.services.registrations import AUDIT_FIELDS, _company
from revops.exceptions import ApplicationError
from revops.models import Account, Membership, Opportunity
from revops.models.crm import OPEN_STAGES, Stage
from revops.services.crm import opportunity_create, record_create

# Partner attribution's link source for deals that came through a registration.
REGISTRATION_SOURCE = "registration"
OWN_REQUEST = "Nobody decides a registration they submitted."

__all__ = ["REGISTRATIONS", "REJECT_REASON_REQUIRED", "registration_decide", "registrations_escalate"]


def _describe(registration: DealRegistration) -> str:
    return f"Registration {registration.pk} ({registration.account_name})"


def _approve_final(registration: DealRegistration, membership: Membership, now: dt.datetime) -> str:
    """The last step approved: check protection, link or create the deal, credit the partner."""
    organization = registration.organization
    today = timezone.localdate(now, timezone=ZoneInfo(organization.time_zone))
    check = conflict_check(organization, _company(registration), today=today)
    account = _account_for(registration, check, membership)
    protecting = (
        DealRegistration.objects.filter(
            organization=organization,
            account=account,
            product_line_id=registration.product_line_id,
            status=RegistrationStatus.APPROVED,
            protected_until__gte=today,
        )
        .exclude(pk=registration.pk)
        .first()
    )
    if protecting is not None:
        raise ApplicationError(
            f"Registration {protecting.pk} protects {account.name} for {registration.product_line.name} "
            f"until {protecting.protected_until}; this one cannot be approved before it ends."
        )
    opportunity = _opportunity_for(registration, account, membership, today=today)
    try:
        opportunity_partner_set(
            membership=membership,
            opportunity=opportunity,
            partner=registration.partner,
            role=registration.role,
            split_percent=None,
            reason=f"Deal registration {registration.pk} approved",
            source=REGISTRATION_SOURCE,
        )
    except Opportunity.DoesNotExist as exc:
        raise ApplicationError(
            f"The deal {opportunity.name} is outside your scope: its owner's manager or an admin approves."
        ) from exc
    settings = program_settings_get(organization=organization)
    registration.status = RegistrationStatus.APPROVED
    registration.account = account
    registration.opportunity = opportunity
    registration.decided_at = now
    registration.protected_until = today + dt.timedelta(days=settings.protection_days)
    registration.conflict = check
    registration.has_conflict = conflict_found(check)
    return f"Protected until {registration.protected_until}."


REGISTRATIONS = ApprovalSubject(
    kind=ApprovalKind.REGISTRATION,
    model=DealRegistration,
    decision_field="registration",
    pending=RegistrationStatus.SUBMITTED,
    rejected=RegistrationStatus.REJECTED,
    audit_action="deal_registration",
    audit_fields=tuple(AUDIT_FIELDS),
    select_related=("partner", "product_line", "submitted_by", "organization"),
    own_request=OWN_REQUEST,
    describe=_describe,
    finalize=_approve_final,
)


@transaction.atomic
def registration_decide(
    *,
    membership: Membership,
    registration_id: int,
    approve: bool,
    reason: str = "",
    now: dt.datetime | None = None,
) -> DealRegistration:
    """Approve or reject the registration's current step as `membership` (the approval engine).

    Refusals (ApplicationError / ValidationError) write nothing: a decided registration, a
    step waiting for someone else, one's own request, a rejection without a reason, a second
    registration inside another's protection window, a deal outside the approver's scope.
    """
    return subject_decide(
        spec=REGISTRATIONS, membership=membership, pk=registration_id, approve=approve, reason=reason, now=now
    )


def _account_for(registration: DealRegistration, check: dict, membership: Membership) -> Account:
    """The best-matching account, locked (two approvals for one account queue up), or a new one."""
    if check["accounts"]:
        return Account.objects.select_for_update().get(pk=check["accounts"][0]["id"])
    return record_create(
        model=Account,
        organization=registration.organization,
        actor=membership.user,
        data={"name": registration.account_name, "domain": registration.domain},
    )


def _opportunity_for(
    registration: DealRegistration, account: Account, membership: Membership, *, today: dt.date
) -> Opportunity:
    """An open deal on the account for the product line, or a new one owned by the account's rep."""
    existing = (
        Opportunity.objects.filter(
            organization=registration.organization,
            account=account,
            product_line_id=registration.product_line_id,
            stage__in=OPEN_STAGES,
        )
        .order_by("created_date", "id")
        .first()
    )
    if existing is not None:
        return existing
    return opportunity_create(
        organization=registration.organization,
        actor=membership.user,
        data={
            "account": account,
            "owner": account.owner or membership.user,
            "name": f"{registration.account_name} — {registration.product_line.name}",
            "stage": Stage.PROSPECTING,
            "amount": registration.estimated_value,
            "currency": registration.currency,
            "created_date": today,
            "expected_close_date": registration.expected_close,
            "product_line": registration.product_line,
            "lead_source": "Partner registration",
        },
    )


def registrations_escalate(*, organization, now: dt.datetime | None = None) -> int:
    """Mark registration steps past their SLA as escalated and tell their escalation target (once)."""
    return subjects_escalate(spec=REGISTRATIONS, organization=organization, now=now or timezone.now())
