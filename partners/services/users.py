"""A partner manager's colleagues: invite, resend the invitation, deactivate.

Only a partner user with the partner-manager grant acts here, and only on partner users of
their own partner in their organization; nobody deactivates themselves. The invitation is the
core's (`revops.services.invitations`): the new user and their partner-user membership bound
to the manager's partner are created at once, and the e-mail carries a one-time, expiring
link to set the password (the account cannot sign in before that).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction

from partners.selectors.registrations import is_partner_manager
from revops.exceptions import ApplicationError
from revops.models import Membership, Role
from revops.services.audit import audit_record
from revops.services.invitations import invitation_resend, member_invite

ERROR_SELF = "You cannot deactivate yourself."


def _require_manager(membership: Membership) -> None:
    if not is_partner_manager(membership) or not membership.is_active:
        raise PermissionDenied


def _require_colleague(membership: Membership, colleague: Membership) -> None:
    if (
        colleague.organization_id != membership.organization_id
        or colleague.partner_id != membership.partner_id
        or colleague.role != Role.PARTNER
    ):
        raise Membership.DoesNotExist


@transaction.atomic
def partner_user_invite(
    *, membership: Membership, email: str, first_name: str, last_name: str, base_url: str
) -> Membership:
    """Invite a colleague to the manager's partner (a partner user, without the grant)."""
    _require_manager(membership)
    return member_invite(
        organization=membership.organization,
        actor=membership.user,
        email=email,
        first_name=first_name,
        last_name=last_name,
        role=Role.PARTNER,
        audit_action="partners.user.invite",
        base_url=base_url,
        partner=membership.partner,
    )


@transaction.atomic
def partner_user_resend(*, membership: Membership, colleague: Membership, base_url: str) -> Membership:
    """Mail a fresh link to a colleague who has not set a password yet."""
    _require_manager(membership)
    _require_colleague(membership, colleague)
    if not colleague.is_active:
        raise ApplicationError("This colleague is deactivated.")
    return invitation_resend(
        membership=colleague, actor=membership.user, audit_action="partners.user.resend", base_url=base_url
    )


@transaction.atomic
def partner_user_deactivate(*, membership: Membership, colleague: Membership) -> Membership:
    """Deactivate a colleague's membership (never one's own): they no longer sign in here."""
    _require_manager(membership)
    _require_colleague(membership, colleague)
    if colleague.pk == membership.pk or colleague.user_id == membership.user_id:
        raise ApplicationError(ERROR_SELF)
    if Membership.objects.filter(pk=colleague.pk, is_active=True).update(is_active=False) == 1:
        audit_record(
            organization=membership.organization,
            actor=membership.user,
            action="partners.user.deactivate",
            obj=colleague,
            before={"is_active": True},
            after={"is_active": False},
        )
    colleague.refresh_from_db()
    return colleague
