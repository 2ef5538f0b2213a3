"""The partner program's part of the permission table: capabilities and record kinds.

Registered with the core table (`revops.permissions`) from `PartnersConfig.ready`.

- `REGISTRATION_VIEW`: read deal registrations. Admins, managers and finance see the
  organization's; reps none (a registration's conflict check names other teams' deals); a
  partner user sees their partner's
  (`Scope.PARTNER`), narrowed in `partners.selectors.registrations` to the ones they
  submitted unless they hold a partner-manager grant (`PartnerManagerGrant`).
- `REGISTRATION_SUBMIT`: register a deal (partner users, in the portal).
- `APPROVE`: decide registrations in the approval queue (managers and admins). Which step a
  member may decide is the approval policy's answer; nobody decides their own request.
- `PROGRAM_EDIT`: approval policies and program settings (admins, in the admin).
- `PROGRAM_VIEW`: read the program's standing — tiers, health, lifecycle, alerts (admins,
  managers, finance: the organization's partners; a partner user: their own partner, through
  the API — record kind `PROGRAM_PARTNER`).
- `PROGRAM_MANAGE`: recompute tiers and health, decide pending downgrades, move partners along
  the lifecycle, tick onboarding steps, acknowledge alerts (admins and managers).
"""

from __future__ import annotations

from enum import StrEnum

from django.db.models import Q

from revops.models import Role
from revops.permissions import RecordKind, Scope


class PartnerCap(StrEnum):
    REGISTRATION_VIEW = "partners.registration_view"
    REGISTRATION_SUBMIT = "partners.registration_submit"
    APPROVE = "partners.approve"
    PROGRAM_EDIT = "partners.program_edit"
    PROGRAM_VIEW = "partners.program_view"
    PROGRAM_MANAGE = "partners.program_manage"


class PartnerKind(StrEnum):
    REGISTRATION = "partners.registration"
    PROGRAM_PARTNER = "partners.program_partner"


CAPABILITIES: dict[Role, frozenset[PartnerCap]] = {
    Role.ADMIN: frozenset(
        {
            PartnerCap.REGISTRATION_VIEW,
            PartnerCap.APPROVE,
            PartnerCap.PROGRAM_EDIT,
            PartnerCap.PROGRAM_VIEW,
            PartnerCap.PROGRAM_MANAGE,
        }
    ),
    Role.MANAGER: frozenset(
        {PartnerCap.REGISTRATION_VIEW, PartnerCap.APPROVE, PartnerCap.PROGRAM_VIEW, PartnerCap.PROGRAM_MANAGE}
    ),
    Role.FINANCE: frozenset({PartnerCap.REGISTRATION_VIEW, PartnerCap.PROGRAM_VIEW}),
    Role.PARTNER: frozenset(
        {PartnerCap.REGISTRATION_VIEW, PartnerCap.REGISTRATION_SUBMIT, PartnerCap.PROGRAM_VIEW}
    ),
}

REGISTRATION = RecordKind(PartnerKind.REGISTRATION, of_partner=lambda partner_id: Q(partner_id=partner_id))

# A partner's program standing (tier, health, lifecycle): internal readers see every partner of
# the organization, a partner user (or their token) only their own partner row.
PROGRAM_PARTNER = RecordKind(PartnerKind.PROGRAM_PARTNER, of_partner=lambda partner_id: Q(pk=partner_id))

SCOPES: tuple[tuple[RecordKind, dict[Role, Scope]], ...] = (
    (
        REGISTRATION,
        {
            Role.ADMIN: Scope.ORGANIZATION,
            Role.MANAGER: Scope.ORGANIZATION,
            Role.FINANCE: Scope.ORGANIZATION,
            Role.PARTNER: Scope.PARTNER,
        },
    ),
    (
        PROGRAM_PARTNER,
        {
            Role.ADMIN: Scope.ORGANIZATION,
            Role.MANAGER: Scope.ORGANIZATION,
            Role.FINANCE: Scope.ORGANIZATION,
            Role.PARTNER: Scope.PARTNER,
        },
    ),
)
