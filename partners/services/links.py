"""Signed registration links: create and revoke (a channel manager, for one partner)."""

from __future__ import annotations

import datetime as dt
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from partners.models import RegistrationLink
from partners.permissions import PartnerCap
from revops.models import Membership, Partner
from revops.permissions import has_cap
from revops.services.audit import audit_record

MAX_LINK_DAYS = 366
LINK_DAYS_RANGE = f"A link is valid for 1 to {MAX_LINK_DAYS} days."


@transaction.atomic
def registration_link_create(
    *,
    membership: Membership,
    partner: Partner,
    days: int = 90,
    label: str = "",
    now: dt.datetime | None = None,
) -> RegistrationLink:
    """A new signed link for `partner`, valid `days` days (audited)."""
    if (
        not has_cap(membership, PartnerCap.LINK_MANAGE)
        or partner.organization_id != membership.organization_id
    ):
        raise PermissionDenied
    if not 1 <= days <= MAX_LINK_DAYS:
        raise ValidationError({"days": [LINK_DAYS_RANGE]})
    now = now or timezone.now()
    link = RegistrationLink(
        organization=membership.organization,
        partner=partner,
        label=label.strip(),
        nonce=secrets.token_urlsafe(16),
        expires_at=now + dt.timedelta(days=days),
        created_by=membership.user,
    )
    link.full_clean(exclude=["organization", "partner", "created_by"])
    link.save()
    audit_record(
        organization=membership.organization,
        actor=membership.user,
        action="registration_link.create",
        obj=link,
        after={"partner": partner.pk, "expires_at": link.expires_at.isoformat(), "label": link.label},
    )
    return link


@transaction.atomic
def registration_link_revoke(*, membership: Membership, link: RegistrationLink) -> RegistrationLink:
    """Revoke a link at once; revoking a revoked link is a no-op."""
    if not has_cap(membership, PartnerCap.LINK_MANAGE) or link.organization_id != membership.organization_id:
        raise PermissionDenied
    now = timezone.now()
    if RegistrationLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(revoked_at=now) == 1:
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="registration_link.revoke",
            obj=link,
            after={"revoked_at": now.isoformat()},
        )
    link.refresh_from_db()
    return link
