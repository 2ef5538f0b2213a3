"""Distribution's part of the permission table: its capabilities and record kinds.

Registered with the core table (`revops.permissions`) from `DistributionConfig.ready`.

- `VIEW`: lead pages; a rep sees the leads they own (and their assignments), a team manager
  those of their reports, admin and finance the organization's.
- `LEAD_EDIT`: create, edit and import leads (admin and managers).
- `RUN`: preview (dry run) and apply a distribution, see run history and fairness (admin and
  managers). Reps never run a distribution.
- `CONFIG_EDIT`: create and edit configurations and salesperson profiles (admin only).
"""

from __future__ import annotations

from enum import StrEnum

from django.db.models import Q

from revops.models import Role
from revops.permissions import RecordKind, Scope, UserIds


class DistributionCap(StrEnum):
    VIEW = "distribution.view"
    LEAD_EDIT = "distribution.lead_edit"
    RUN = "distribution.run"
    CONFIG_EDIT = "distribution.config_edit"


class DistributionKind(StrEnum):
    LEAD = "distribution.lead"
    ASSIGNMENT = "distribution.assignment"


CAPABILITIES: dict[Role, frozenset[DistributionCap]] = {
    Role.ADMIN: frozenset(DistributionCap),
    Role.MANAGER: frozenset({DistributionCap.VIEW, DistributionCap.LEAD_EDIT, DistributionCap.RUN}),
    Role.FINANCE: frozenset({DistributionCap.VIEW}),
    Role.REP: frozenset({DistributionCap.VIEW}),
}


def _owner_in(user_ids: UserIds) -> Q:
    return Q(owner_id__in=user_ids)


def _rep_in(user_ids: UserIds) -> Q:
    return Q(rep_id__in=user_ids)


LEAD = RecordKind(DistributionKind.LEAD, owned_by=_owner_in)
ASSIGNMENT = RecordKind(DistributionKind.ASSIGNMENT, owned_by=_rep_in)

_SCOPE = {
    Role.ADMIN: Scope.ORGANIZATION,
    Role.MANAGER: Scope.TEAM,
    Role.FINANCE: Scope.ORGANIZATION,
    Role.REP: Scope.OWN,
}
SCOPES: tuple[tuple[RecordKind, dict[Role, Scope]], ...] = ((LEAD, _SCOPE), (ASSIGNMENT, _SCOPE))
