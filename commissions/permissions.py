"""Commissions' part of the permission table: its capabilities and record kinds.

Registered with the core table (`revops.permissions`) from `CommissionsConfig.ready`.

- `VIEW`: commission pages; a rep sees their own transactions, objectives and statements, a
  team manager those of their reports, admin and finance the organization's.
- `IMPORT`: upload sales data (finance and admin).
- `PLAN_EDIT`: plans, assignments, objectives, territories, aliases (finance and admin).
- `APPROVE`: approve statements (managers and admin); `PAY`: mark them paid (finance only).
"""

from __future__ import annotations

from enum import StrEnum

from django.db.models import Q

from revops.models import Role
from revops.permissions import RecordKind, Scope, UserIds


class CommissionCap(StrEnum):
    VIEW = "commissions.view"
    IMPORT = "commissions.import"
    PLAN_EDIT = "commissions.plan_edit"
    APPROVE = "commissions.approve"
    PAY = "commissions.pay"


class CommissionKind(StrEnum):
    TRANSACTION = "commissions.transaction"
    OBJECTIVE = "commissions.objective"


CAPABILITIES: dict[Role, frozenset[CommissionCap]] = {
    Role.ADMIN: frozenset(
        {CommissionCap.VIEW, CommissionCap.IMPORT, CommissionCap.PLAN_EDIT, CommissionCap.APPROVE}
    ),
    Role.MANAGER: frozenset({CommissionCap.VIEW, CommissionCap.APPROVE}),
    Role.FINANCE: frozenset(
        {CommissionCap.VIEW, CommissionCap.IMPORT, CommissionCap.PLAN_EDIT, CommissionCap.PAY}
    ),
    Role.REP: frozenset({CommissionCap.VIEW}),
}


def _rep_in(user_ids: UserIds) -> Q:
    return Q(rep_id__in=user_ids)


TRANSACTION = RecordKind(CommissionKind.TRANSACTION, owned_by=_rep_in)
OBJECTIVE = RecordKind(CommissionKind.OBJECTIVE, owned_by=_rep_in)

_REP_SCOPE = {
    Role.ADMIN: Scope.ORGANIZATION,
    Role.MANAGER: Scope.TEAM,
    Role.FINANCE: Scope.ORGANIZATION,
    Role.REP: Scope.OWN,
}
SCOPES: tuple[tuple[RecordKind, dict[Role, Scope]], ...] = (
    (TRANSACTION, _REP_SCOPE),
    (OBJECTIVE, _REP_SCOPE),
)
