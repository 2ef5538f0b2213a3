"""Invite a rep or a sales manager: the account, the membership, and an e-mail to set a password.

The account, the membership, the audit and the e-mail with the one-time link to set the
password are the core's (`revops.services.invitations.member_invite`); this module checks what
only commissions knows: which roles are invited here and who may be their manager.
"""

from __future__ import annotations

from django.db import transaction

from revops.exceptions import ApplicationError
from revops.models import Membership, Organization, Role
from revops.services.invitations import ERROR_EXISTS, member_invite

__all__ = ["ERROR_EXISTS", "rep_invite"]

INVITABLE = (Role.REP, Role.MANAGER)
ERROR_ROLE = "Only reps and managers are invited here."
ERROR_MANAGER = "The manager must be a manager of this organization."


def rep_invite(
    *,
    organization: Organization,
    actor,
    email: str,
    first_name: str,
    last_name: str,
    role: str = Role.REP,
    manager: Membership | None = None,
    team: str = "",
    base_url: str,
) -> Membership:
    """Create the user and their membership, and mail them the link to set their password."""
    if role not in INVITABLE:
        raise ApplicationError(ERROR_ROLE)
    if manager is not None and (manager.organization_id != organization.pk or manager.role != Role.MANAGER):
        raise ApplicationError(ERROR_MANAGER)
    with transaction.atomic():
        return member_invite(
            organization=organization,
            actor=actor,
            email=email,
            first_name=first_name,
            last_name=last_name,
            role=role,
            audit_action="commissions.rep.invite",
            base_url=base_url,
            manager=manager,
            team=team.strip(),
        )
