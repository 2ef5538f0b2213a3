"""Decisions on deal registrations: one step at a time, audited and e-mailed; the last
approval links the deal and credits the partner through partner attribution's services.

Concurrent decisions on one registration give exactly one outcome: the registration row is
locked (SELECT ... FOR UPDATE) before its status and step are read, so a second decision
waits, then finds the step decided and is refused without writing anything.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from attribution.services.links import opportunity_partner_set
from partners.models import ApprovalDecision, DealRegistration, RegistrationStatus
from partners.permissions import PartnerCap
from partners.selectors.approvals import may_decide, step_label
from partners.selectors.conflicts import conflict_check, conflict_found
from partners.services.mail import mail_on_commit
from partners.services.program import program_settings_get
from partners.services.registrations import AUDIT_FIELDS, _company
from revops.exceptions import ApplicationError
from revops.models import Account, Membership, Opportunity
from revops.models.crm import OPEN_STAGES, Stage
from revops.permissions import has_cap
from revops.services.audit import audit_record, snapshot
from revops.services.crm import opportunity_create, record_create

# Partner attribution's link source for deals that came through a registration.
REGISTRATION_SOURCE = "registration"
REJECT_REASON_REQUIRED = "Give the partner a reason for the rejection."
OWN_REQUEST = "Nobody decides a registration they submitted."


def _notify(registration: DealRegistration, subject: str, body: str) -> None:
    mail_on_commit(to=[registration.requester_email], subject=subject, body=body)


@transaction.atomic
def registration_decide(
    *,
    membership: Membership,
    registration_id: int,
    approve: bool,
    reason: str = "",
    now: dt.datetime | None = None,
) -> DealRegistration:
    """Approve or reject the registration's current step as `membership`.

    Refusals (ApplicationError / ValidationError) write nothing: a decided registration, a
    step waiting for someone else, one's own request, a rejection without a reason, a second
    registration inside another's protection window, a deal outside the approver's scope.
    """
    if not has_cap(membership, PartnerCap.APPROVE):
        raise PermissionDenied
    now = now or timezone.now()
    registration = (
        DealRegistration.objects.select_for_update(of=("self",))
        .select_related("partner", "product_line", "submitted_by", "organization")
        .get(pk=registration_id, organization_id=membership.organization_id)
    )
    if registration.status != RegistrationStatus.SUBMITTED:
        raise ApplicationError(f"Already decided: {registration.get_status_display().lower()}.")
    if registration.submitted_by_id == membership.user_id:
        raise ApplicationError(OWN_REQUEST)
    step = registration.steps[registration.current_step]
    if not may_decide(registration, membership, now=now):
        raise ApplicationError(f"This step waits for {step_label(step)}.")
    reason = reason.strip()
    if not approve and not reason:
        raise ValidationError({"reason": REJECT_REASON_REQUIRED})
    overdue = registration.step_due_at is not None and now > registration.step_due_at
    before = snapshot(registration, AUDIT_FIELDS)
    if approve and registration.current_step + 1 >= len(registration.steps):
        _approve_final(registration, membership, now=now)
    ApprovalDecision.objects.create(
        organization=registration.organization,
        registration=registration,
        step=registration.current_step,
        step_name=step["name"],
        outcome=ApprovalDecision.Outcome.APPROVED if approve else ApprovalDecision.Outcome.REJECTED,
        decided_by=membership.user,
        reason=reason,
        escalated=overdue and step.get("escalate_to_id") == membership.user_id,
    )
    if not approve:
        registration.status = RegistrationStatus.REJECTED
        registration.decided_at = now
        registration.decision_reason = reason
        _notify(
            registration,
            f"Registration {registration.pk} ({registration.account_name}) was rejected",
            f"Reason: {reason}",
        )
    elif registration.status != RegistrationStatus.APPROVED:
        registration.current_step += 1
        next_step = registration.steps[registration.current_step]
        registration.step_due_at = now + dt.timedelta(hours=next_step["sla_hours"])
        registration.escalated = False
        _notify(
            registration,
            f"Registration {registration.pk} ({registration.account_name}): step {step['name']} approved",
            f"Next: {next_step['name']}.",
        )
    registration.save()
    audit_record(
        organization=registration.organization,
        actor=membership.user,
        action="deal_registration.approve" if approve else "deal_registration.reject",
        obj=registration,
        before=before,
        after=snapshot(registration, AUDIT_FIELDS) | {"step": step["name"]},
        reason=reason,
    )
    return registration


def _approve_final(registration: DealRegistration, membership: Membership, *, now: dt.datetime) -> None:
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
    _notify(
        registration,
        f"Registration {registration.pk} ({registration.account_name}) was approved",
        f"Protected until {registration.protected_until}.",
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


@transaction.atomic
def registrations_escalate(*, organization, now: dt.datetime | None = None) -> int:
    """Mark steps past their SLA as escalated and tell their escalation target (once)."""
    now = now or timezone.now()
    overdue = DealRegistration.objects.filter(
        organization=organization, status=RegistrationStatus.SUBMITTED, step_due_at__lt=now, escalated=False
    )
    count = 0
    users = get_user_model().objects
    for registration in overdue.select_for_update():
        step = registration.steps[registration.current_step]
        target = users.filter(pk=step.get("escalate_to_id")).first() if step.get("escalate_to_id") else None
        registration.escalated = True
        registration.save(update_fields=["escalated", "updated_at"])
        if target is not None:
            mail_on_commit(
                to=[target.email],
                subject=f"Registration {registration.pk} is past its SLA",
                body=f"Step {step['name']} of {registration.account_name} waits; you may decide it now.",
            )
        count += 1
    return count
