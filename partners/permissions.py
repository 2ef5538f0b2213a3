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
- `LINK_MANAGE`: create and revoke partners' signed registration links (admins, managers).
- `DISPUTE_VIEW`: read partner disputes, following the deal scope: admins and finance the
  organization's, a manager their team's deals', a rep their own deals'; a partner user their
  partner's (`Scope.PARTNER`), narrowed to the ones they opened unless they hold the
  partner-manager grant. Internal notes are for internal roles only.
- `DISPUTE_OPEN`: open a dispute on a deal's partner split (partner users on their partner's
  deals; reps and managers on deals they see), comment on it and withdraw their own.
- Resolving a dispute (accept or reject) takes `APPROVE`; nobody resolves a dispute they
  opened.
- `PROGRAM_VIEW`: read the program's standing — tiers, health, lifecycle, alerts (admins,
  managers, finance: the organization's partners; a partner user: their own partner, through
  the API — record kind `PROGRAM_PARTNER`).
- `ANALYTICS_VIEW`: the partner analytics page and its exports (admins, managers, finance);
  its figures follow the member's deal and ledger scope (a manager: their team's deals).
  Reps have no analytics: a comparison of their own handful of deals says nothing.
- Partner touchpoints (activities a partner reports) follow registrations: `REGISTRATION_VIEW`
  reads them (record kind `TOUCHPOINT`: the organization's for admins and finance, a manager's
  those on their team's deals or accounts; a partner user their partner's, narrowed to the ones they submitted unless they hold the
  partner-manager grant), `REGISTRATION_SUBMIT` reports one, `APPROVE` decides one.
- Split-change requests (record kind `SPLIT_CHANGE`) are internal and follow the deal's scope:
  `REGISTRATION_VIEW` reads them (admins and finance the organization's, a manager their
  team's deals'), `APPROVE` decides them; partner users never see them.
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
    LINK_MANAGE = "partners.link_manage"
    DISPUTE_VIEW = "partners.dispute_view"
    DISPUTE_OPEN = "partners.dispute_open"
    PROGRAM_VIEW = "partners.program_view"
    PROGRAM_MANAGE = "partners.program_manage"
    ANALYTICS_VIEW = "partners.analytics_view"


class PartnerKind(StrEnum):
    REGISTRATION = "partners.registration"
    DISPUTE = "partners.dispute"
    PROGRAM_PARTNER = "partners.program_partner"
    TOUCHPOINT = "partners.touchpoint"
    SPLIT_CHANGE = "partners.split_change"


_DISPUTES = {PartnerCap.DISPUTE_VIEW, PartnerCap.DISPUTE_OPEN}
CAPABILITIES: dict[Role, frozenset[PartnerCap]] = {
    Role.ADMIN: frozenset(
        {
            PartnerCap.REGISTRATION_VIEW,
            PartnerCap.APPROVE,
            PartnerCap.PROGRAM_EDIT,
            PartnerCap.LINK_MANAGE,
            PartnerCap.PROGRAM_VIEW,
            PartnerCap.PROGRAM_MANAGE,
            PartnerCap.ANALYTICS_VIEW,
            *_DISPUTES,
        }
    ),
    Role.MANAGER: frozenset(
        {
            PartnerCap.REGISTRATION_VIEW,
            PartnerCap.APPROVE,
            PartnerCap.LINK_MANAGE,
            PartnerCap.PROGRAM_VIEW,
            PartnerCap.PROGRAM_MANAGE,
            PartnerCap.ANALYTICS_VIEW,
            *_DISPUTES,
        }
    ),
    Role.FINANCE: frozenset(
        {
            PartnerCap.REGISTRATION_VIEW,
            PartnerCap.DISPUTE_VIEW,
            PartnerCap.PROGRAM_VIEW,
            PartnerCap.ANALYTICS_VIEW,
        }
    ),
    Role.REP: frozenset(_DISPUTES),
    Role.PARTNER: frozenset(
        {PartnerCap.REGISTRATION_VIEW, PartnerCap.REGISTRATION_SUBMIT, PartnerCap.PROGRAM_VIEW, *_DISPUTES}
    ),
}

REGISTRATION = RecordKind(PartnerKind.REGISTRATION, of_partner=lambda partner_id: Q(partner_id=partner_id))
DISPUTE = RecordKind(
    PartnerKind.DISPUTE,
    owned_by=lambda user_ids: Q(opportunity__owner_id__in=user_ids),
    of_partner=lambda partner_id: Q(partner_id=partner_id),
)

# A partner's program standing (tier, health, lifecycle): internal readers see every partner of
# the organization, a partner user (or their token) only their own partner row.
PROGRAM_PARTNER = RecordKind(PartnerKind.PROGRAM_PARTNER, of_partner=lambda partner_id: Q(pk=partner_id))

TOUCHPOINT = RecordKind(
    PartnerKind.TOUCHPOINT,
    # A manager's team: touchpoints on their team's deals, or on their team's accounts when no
    # deal is named (a touchpoint names the account and the deal).
    owned_by=lambda user_ids: (
        Q(opportunity__owner_id__in=user_ids) | Q(opportunity__isnull=True, account__owner_id__in=user_ids)
    ),
    of_partner=lambda partner_id: Q(partner_id=partner_id),
)
SPLIT_CHANGE = RecordKind(
    PartnerKind.SPLIT_CHANGE, owned_by=lambda user_ids: Q(opportunity__owner_id__in=user_ids)
)

SCOPES: tuple[tuple[RecordKind, dict[Role, Scope]], ...] = (
    (
        TOUCHPOINT,
        {
            Role.ADMIN: Scope.ORGANIZATION,
            Role.MANAGER: Scope.TEAM,
            Role.FINANCE: Scope.ORGANIZATION,
            Role.PARTNER: Scope.PARTNER,
        },
    ),
    (
        SPLIT_CHANGE,
        {Role.ADMIN: Scope.ORGANIZATION, Role.MANAGER: Scope.TEAM, Role.FINANCE: Scope.ORGANIZATION},
    ),
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
        DISPUTE,
        {
            Role.ADMIN: Scope.ORGANIZATION,
            Role.MANAGER: Scope.TEAM,
            Role.FINANCE: Scope.ORGANIZATION,
            Role.REP: Scope.OWN,
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
