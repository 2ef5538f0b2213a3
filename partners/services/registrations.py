"""Deal registrations: submit (with the conflict check and the approval chain), withdraw,
and expire at the end of the protection window (with notice ahead of it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from partners.models import DealRegistration, RegistrationAttachment, RegistrationLink, RegistrationStatus
from partners.permissions import PartnerCap
from partners.selectors.approvals import RoutingFacts, approval_steps_for
from partners.selectors.conflicts import Company, conflict_check, conflict_found
from partners.services.attachments import attachments_check
from partners.services.mail import mail_on_commit
from partners.services.program import program_settings_get
from revops.exceptions import ApplicationError
from revops.matching import domain_key, name_key
from revops.models import Account, Membership, Organization, Partner, ProductLine
from revops.permissions import has_cap
from revops.selectors.periods import organization_today
from revops.services.audit import audit_record, snapshot

SUBMITTER_NAME_REQUIRED = "Give your name."
SUBMITTER_EMAIL_REQUIRED = "Give your e-mail address."

AUDIT_FIELDS = ["status", "account_name", "domain", "estimated_value", "product_line", "role", "current_step"]


@dataclass(frozen=True)
class RegistrationInput:
    """What a partner fills in to register a deal."""

    account_name: str
    domain: str
    contact_name: str
    contact_email: str
    description: str
    estimated_value: Decimal
    currency: str
    product_line: ProductLine
    expected_close: dt.date
    role: str


def _routing_facts(registration: DealRegistration, check: dict) -> RoutingFacts:
    account_ids = [a["id"] for a in check.get("accounts", [])]
    region = ""
    if account_ids:
        region = Account.objects.filter(pk=account_ids[0]).values_list("region", flat=True).first() or ""
    return RoutingFacts(
        value=registration.estimated_value,
        partner_tier=registration.partner.tier,
        region=region,
        product_line_id=registration.product_line_id,
        conflict=conflict_found(check),
    )


@transaction.atomic
def registration_submit(
    *,
    membership: Membership,
    data: RegistrationInput,
    attachments: list[UploadedFile] | None = None,
    now: dt.datetime | None = None,
) -> DealRegistration:
    """Register a deal for the member's partner: checked, conflict-checked, routed, audited.

    Bad input raises ValidationError naming the field (attachments by file name); nothing is
    written then. The conflict check is stored with the registration; the approval chain is
    chosen by the organization's policies (partners.selectors.approvals).
    """
    if not has_cap(membership, PartnerCap.REGISTRATION_SUBMIT) or membership.partner_id is None:
        raise PermissionDenied
    assert membership.partner is not None  # partner_id checked above
    return _register(
        organization=membership.organization,
        partner=membership.partner,
        submitted_by=membership.user,
        data=data,
        attachments=attachments or [],
        now=now or timezone.now(),
    )


@transaction.atomic
def registration_submit_for_partner(
    *,
    partner: Partner,
    submitter_name: str,
    submitter_email: str,
    data: RegistrationInput,
    link: RegistrationLink | None = None,
    attachments: list[UploadedFile] | None = None,
    now: dt.datetime | None = None,
) -> DealRegistration:
    """Register a deal for `partner` without a portal login (a signed link, the intake e-mail).

    The same checks, conflict check, approval chain and audit as `registration_submit`; the
    registration records the submitter's name and e-mail from the form (both required) and
    the link it came through.
    """
    errors = {}
    if not submitter_name.strip():
        errors["submitter_name"] = [SUBMITTER_NAME_REQUIRED]
    if not submitter_email.strip():
        errors["submitter_email"] = [SUBMITTER_EMAIL_REQUIRED]
    if errors:
        raise ValidationError(errors)
    if link is not None and (
        link.partner_id != partner.pk or link.organization_id != partner.organization_id
    ):
        raise PermissionDenied
    return _register(
        organization=partner.organization,
        partner=partner,
        submitted_by=None,
        submitter_name=submitter_name.strip(),
        submitter_email=submitter_email.strip(),
        link=link,
        data=data,
        attachments=attachments or [],
        now=now or timezone.now(),
    )


def _register(
    *,
    organization: Organization,
    partner: Partner,
    submitted_by,
    data: RegistrationInput,
    attachments: list[UploadedFile],
    now: dt.datetime,
    submitter_name: str = "",
    submitter_email: str = "",
    link: RegistrationLink | None = None,
) -> DealRegistration:
    attachments_check(attachments)
    if data.product_line.organization_id != organization.pk:
        raise ProductLine.DoesNotExist
    registration = DealRegistration(
        organization=organization,
        partner=partner,
        submitted_by=submitted_by,
        submitter_name=submitter_name,
        submitter_email=submitter_email,
        link=link,
        account_name=data.account_name.strip(),
        domain=data.domain.strip(),
        name_key=name_key(data.account_name),
        domain_key=domain_key(data.domain) or domain_key(data.contact_email),
        contact_name=data.contact_name.strip(),
        contact_email=data.contact_email.strip(),
        description=data.description.strip(),
        estimated_value=data.estimated_value,
        currency=data.currency or organization.currency,
        product_line=data.product_line,
        expected_close=data.expected_close,
        role=data.role,
    )
    registration.full_clean(exclude=["organization", "partner", "submitted_by", "product_line", "link"])
    today = timezone.localdate(now, timezone=ZoneInfo(organization.time_zone))
    check = conflict_check(organization, _company(registration), today=today)
    settings = program_settings_get(organization=organization)
    registration.conflict = check
    registration.has_conflict = conflict_found(check)
    registration.steps = approval_steps_for(
        organization, _routing_facts(registration, check), default_sla_hours=settings.default_sla_hours
    )
    registration.current_step = 0
    registration.step_due_at = now + dt.timedelta(hours=registration.steps[0]["sla_hours"])
    registration.save()
    for upload in attachments:
        RegistrationAttachment.objects.create(
            organization=organization,
            registration=registration,
            file=upload,
            name=upload.name or "file",
            size=upload.size or 0,
            content_type=getattr(upload, "content_type", "") or "",
        )
    after = snapshot(registration, AUDIT_FIELDS) | {"has_conflict": registration.has_conflict}
    if submitted_by is None:
        after |= {"submitter_email": submitter_email, "link": link.pk if link else None}
    audit_record(
        organization=organization,
        actor=submitted_by,
        action="deal_registration.submit",
        obj=registration,
        after=after,
    )
    return registration


def _company(registration: DealRegistration) -> Company:
    return Company(
        name=registration.account_name,
        domain=registration.domain or registration.contact_email,
        partner_id=registration.partner_id,
        product_line_id=registration.product_line_id,
        exclude_id=registration.pk,
    )


@transaction.atomic
def registration_withdraw(*, membership: Membership, registration: DealRegistration) -> DealRegistration:
    """The partner withdraws a registration; an approved one gives up its protection."""
    if not has_cap(membership, PartnerCap.REGISTRATION_SUBMIT):
        raise PermissionDenied
    registration = DealRegistration.objects.select_for_update().get(
        pk=registration.pk, organization=membership.organization, partner_id=membership.partner_id
    )
    if registration.status == RegistrationStatus.WITHDRAWN:
        return registration  # already done: a no-op
    if registration.status not in (RegistrationStatus.SUBMITTED, RegistrationStatus.APPROVED):
        raise ApplicationError(
            f"A registration that is {registration.get_status_display().lower()} stays so."
        )
    before = snapshot(registration, AUDIT_FIELDS)
    registration.status = RegistrationStatus.WITHDRAWN
    registration.save(update_fields=["status", "updated_at"])
    audit_record(
        organization=registration.organization,
        actor=membership.user,
        action="deal_registration.withdraw",
        obj=registration,
        before=before,
        after=snapshot(registration, AUDIT_FIELDS),
    )
    return registration


@dataclass(frozen=True)
class ExpiryCounts:
    expired: int
    noticed: int


def _partner_addresses(registration: DealRegistration) -> list[str]:
    return [registration.requester_email] if registration.requester_email else []


@transaction.atomic
def registrations_expire(*, organization: Organization, today: dt.date | None = None) -> ExpiryCounts:
    """End the protection of approved registrations past their window; warn those close to it.

    Idempotent: a registration is expired once and warned once (`expiry_notice_sent_at`).
    The deal link an approval made stays (the deal was registered); only the exclusivity ends.
    """
    today = today or organization_today(organization)
    settings = program_settings_get(organization=organization)
    approved = DealRegistration.objects.filter(organization=organization, status=RegistrationStatus.APPROVED)
    expiring = list(
        approved.filter(protected_until__lt=today)
        .select_for_update(of=("self",))
        .select_related("submitted_by")
    )
    for registration in expiring:
        registration.status = RegistrationStatus.EXPIRED
        registration.save(update_fields=["status", "updated_at"])
        audit_record(
            organization=organization,
            actor=None,
            action="deal_registration.expire",
            obj=registration,
            before={"status": RegistrationStatus.APPROVED},
            after={"status": RegistrationStatus.EXPIRED},
            reason=f"Protection ended on {registration.protected_until}",
        )
        mail_on_commit(
            to=_partner_addresses(registration),
            subject=f"Registration {registration.pk} ({registration.account_name}) has expired",
            body=f"The protection of your registration of {registration.account_name} ended on "
            f"{registration.protected_until}.",
        )
    notice_by = today + dt.timedelta(days=settings.expiry_notice_days)
    warn = list(
        approved.filter(
            protected_until__gte=today, protected_until__lte=notice_by, expiry_notice_sent_at__isnull=True
        )
        .select_for_update(of=("self",))
        .select_related("submitted_by")
    )
    now = timezone.now()
    for registration in warn:
        registration.expiry_notice_sent_at = now
        registration.save(update_fields=["expiry_notice_sent_at", "updated_at"])
        mail_on_commit(
            to=_partner_addresses(registration),
            subject=f"Registration {registration.pk} ({registration.account_name}) expires on "
            f"{registration.protected_until}",
            body=f"Your registration of {registration.account_name} is protected until "
            f"{registration.protected_until}. Close the deal or ask your channel manager to extend it.",
        )
    return ExpiryCounts(expired=len(expiring), noticed=len(warn))


def registrations_expire_everywhere() -> dict[str, int]:
    """Run the expiry for every organization that has approved registrations."""
    totals = {"organizations": 0, "expired": 0, "noticed": 0}
    org_ids = (
        DealRegistration.objects.filter(status=RegistrationStatus.APPROVED)
        .values_list("organization_id", flat=True)
        .distinct()
    )
    for organization in Organization.objects.filter(pk__in=list(org_ids)):
        counts = registrations_expire(organization=organization)
        totals["organizations"] += 1
        totals["expired"] += counts.expired
        totals["noticed"] += counts.noticed
    return totals
